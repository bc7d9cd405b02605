import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SamtykkeCore
import SamtykkeApp
import SamtykkeServer
import SamtykkeStore
import TestSupport
import Testing

/// An HTTP answer from the broker, decoded as JSON when it is JSON.
struct Answer {
    let status: Int
    let body: [UInt8]
    let headers: HTTPFields

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// One request header as a test writes it.
struct Header {
    let name: String
    let value: String
}

/// A party talking to the broker through a test client, with its credential as a Bearer token.
struct Caller: Sendable {
    let client: any TestClientProtocol
    let credential: String?

    func send(_ method: String, _ path: String, body: Any? = nil, raw: [UInt8]? = nil, headers: [Header] = []) async throws -> Answer {
        var bytes = raw
        if let body { bytes = Array(try JSONSerialization.data(withJSONObject: body)) }
        return try await send(method, path, bytes: bytes, contentType: bytes == nil ? nil : "application/json", headers: headers)
    }

    /// `contentType` exactly as given, nil for none.
    func send(_ method: String, _ path: String, bytes: [UInt8]?, contentType: String?, headers: [Header] = []) async throws -> Answer {
        var fields = HTTPFields()
        if let credential { fields.append(HTTPField(name: .authorization, value: "Bearer \(credential)")) }
        for header in headers { fields.append(HTTPField(name: try #require(HTTPField.Name(header.name)), value: header.value)) }
        if let contentType { fields.append(HTTPField(name: .contentType, value: contentType)) }
        let response = try await client.execute(
            uri: path, method: HTTPRequest.Method(rawValue: method) ?? .get, headers: fields, body: bytes.map { ByteBuffer(bytes: $0) }
        )
        return Answer(status: response.status.code, body: Array(buffer: response.body), headers: response.headers)
    }
}

/// The broker's router over an in-memory store with every kind of caller the access tests need: two
/// banks, two citizens and an auditor, each with a real credential from the broker's store or the
/// ID provider the broker trusts.
struct AuthorizationParties: Sendable {
    let harness: RouterHarness
    let client: any TestClientProtocol
    let bankA: String
    let bankB: String
    let auditor: String
    let personX: String
    let personY: String
    let citizenX: String
    let citizenY: String
    let clock: TestClock

    static let orgA = TestParties.bankOrg
    static let orgB = TestParties.otherBankOrg

    var store: any Store { harness.store }
    var keys: BrokerKeys { harness.keys }

    /// Through the router alone by default; `.live` for what needs a socket (a client address, the
    /// HTTP parser's limits). `logger` is the application's.
    static func run<T: Sendable>(
        _ setup: TestingSetup = .router, logger: Logger = Logger(label: "router-tests"),
        customize: @escaping @Sendable (inout BrokerSettings) -> Void = { _ in },
        _ body: @Sendable (AuthorizationParties) async throws -> T
    ) async throws -> T {
        var made = try await RouterHarness.make()
        let clock = TestClock()
        made.settings.clock = { clock.now() }
        // Claims no delivery: these tests register webhooks at a public address, which a test must
        // never call.
        made.settings.webhookDelivery.perEndpoint = 0
        // Every request through the router comes from one "address" (it has no socket), and the
        // matrix alone sends hundreds that do not authenticate: on a fast machine, within the
        // per-address burst's refill, so a later valid call got 429. That limit has its own suite
        // (AddressRateLimitTests); these test who may do what.
        made.settings.limits.addressRate = RateLimiter.Rule(perSecond: 1_000_000, burst: 1_000_000)
        customize(&made.settings)
        let harness = made
        let now = clock.now()
        let auditor = try await harness.store.addAuditor(name: "Finanstilsynet", now: now).text
        let citizenX = try harness.provider.mint(pid: TestParties.person, now: now)
        let citizenY = try harness.provider.mint(pid: TestParties.otherPerson, now: now)
        return try await harness.test(setup, logger: logger) { client in
            try await body(AuthorizationParties(
                harness: harness, client: client, bankA: harness.bankKey, bankB: harness.otherBankKey, auditor: auditor,
                personX: TestParties.person, personY: TestParties.otherPerson, citizenX: citizenX, citizenY: citizenY, clock: clock
            ))
        }
    }

    func caller(_ credential: String?) -> Caller {
        Caller(client: client, credential: credential)
    }

    /// A pending request from bank A to citizen X.
    func pendingConsent() async throws -> String {
        try await createConsent()
    }

    func createConsent(maxUses: Int = 2) async throws -> String {
        let answer = try await caller(bankA).send("POST", "/v1/consents", body: consentRequest(for: personX, maxUses: maxUses, now: clock.now()))
        try #require(answer.status == 201, "\(answer.text)")
        return try #require(answer.json["id"] as? String)
    }

    /// An active consent from bank A to citizen X.
    func activeConsent() async throws -> String {
        let id = try await pendingConsent()
        let granted = try await caller(citizenX).send("POST", "/v1/me/consents/\(id)/grant")
        try #require(granted.status == 200, "\(granted.text)")
        return id
    }

    /// A URL any broker accepts: an https address literal in a public range, so no lookup is needed.
    static let webhookURL = "https://[3ffe::7]/samtykke-events"

    func webhook() async throws -> String {
        let answer = try await caller(bankA).send("POST", "/v1/webhooks", body: ["url": Self.webhookURL])
        #expect(answer.status == 201, "\(answer.text)")
        return try #require(answer.json["id"] as? String)
    }
}
