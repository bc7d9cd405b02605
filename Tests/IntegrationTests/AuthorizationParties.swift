import Foundation
import SamtykkeApp
import SamtykkeDemo
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer
import TestSupport
import Testing

/// A running broker (LocalStack: the mock agency over mutual TLS and the broker over HTTP) with every
/// kind of caller the access tests need: two banks, two citizens and an auditor, each with a real
/// credential from the broker's own database or the dev ID provider.
struct AuthorizationParties: Sendable {
    let stack: LocalStack
    let bankA: String
    let bankB: String
    let auditor: String
    let personX: String
    let personY: String
    let citizenX: String
    let citizenY: String
    let clock: TestClock

    static let orgA = "986352325"
    static let orgB = "974760673"

    static func run<T: Sendable>(
        customize: @escaping @Sendable (inout BrokerSettings) -> Void = { _ in },
        _ body: @Sendable (AuthorizationParties) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { dir in
            // One dev PKI for every stack, copied into each stack's directory (LocalStack uses a PKI it
            // finds there): making one runs openssl several times.
            _ = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            let clock = TestClock()
            return try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: try await TestBackend.store(in: dir), customize: { broker in
                broker.clock = { clock.now() }
                // Claims no delivery: these tests register webhooks at a public address, which a test
                // must never call.
                broker.webhookDelivery.perEndpoint = 0
                customize(&broker)
            }) { stack in
                let database = stack.broker.store
                let people = try fixturePeople()
                let provider = DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(stack.paths.idProviderKey.path)))
                let now = clock.now()
                return try await body(AuthorizationParties(
                    stack: stack,
                    bankA: try await database.addBank(org: try OrgNumber(orgA), name: "Bank A", now: now).text,
                    bankB: try await database.addBank(org: try OrgNumber(orgB), name: "Bank B", now: now).text,
                    auditor: try await database.addAuditor(name: "Finanstilsynet", now: now).text,
                    personX: people[0].personId.digits,
                    personY: people[1].personId.digits,
                    citizenX: try provider.mint(pid: people[0].personId.digits, now: now),
                    citizenY: try provider.mint(pid: people[1].personId.digits, now: now),
                    clock: clock
                ))
            }
        }
    }

    func caller(_ credential: String?) -> Caller {
        Caller(server: stack.brokerURL, credential: credential)
    }

    /// A URL any broker accepts: an https address literal in a public range, so no lookup is needed.
    static let webhookURL = "https://[3ffe::7]/samtykke-events"
}
