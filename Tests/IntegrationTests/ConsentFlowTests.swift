import BrokerClient
import CurlHTTP
import Foundation
import JWTKit
import SamtykkeAPI
import SamtykkeApp
import SamtykkeDemo
import SamtykkeCore
import SamtykkeStore
import SamtykkeJOSE
import SamtykkeServer
import TestSupport
import Testing

/// The whole flow with every real part: the mock agency over mutual TLS, libcurl, the broker over
/// HTTP, a SQLite file, real signatures, and the `samtykke` binary for the citizen.
@Suite(.heavy, .serialized) struct ConsentFlowTests {
    struct Running {
        let stack: LocalStack
        let bank: Caller
        let bankKey: String
        let clock: TestClock
        /// Where the broker keeps its data, for tests that look at it from outside.
        var store: StoreLocation? = nil

        /// An ID token issued at `now` (the real time by default; the test clock's once a test moved it far).
        func idToken(_ pid: String, at now: Date = Date()) async throws -> String {
            let provider = DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(stack.paths.idProviderKey.path)))
            return try provider.mint(pid: pid, now: now)
        }

        func citizen(_ pid: String, at now: Date = Date()) async throws -> Caller {
            Caller(server: stack.brokerURL, credential: try await idToken(pid, at: now))
        }

        func createConsent(for person: String, maxUses: Int = 2, validFor: TimeInterval = 5 * 86_400) async throws -> String {
            let answer = try await bank.send("POST", "/v1/consents", body: consentRequest(for: person, maxUses: maxUses, validFor: validFor, now: clock.now()))
            #expect(answer.status == 201, "\(answer.text)")
            return try #require(answer.json["id"] as? String)
        }
    }

    /// `sqlite` pins SQLite whatever the suite's backend, for tests that edit the database file.
    static func withStack(backend: TestBackend.Choice = .configured, customize: @escaping @Sendable (inout BrokerSettings) -> Void = { _ in }, _ body: @Sendable (Running) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let clock = TestClock()
            let store = try await TestBackend.store(in: dir, backend)
            _ = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: store, customize: { broker in
                broker.clock = { clock.now() }
                customize(&broker)
            }) { stack in
                let key = try await stack.broker.store.addBank(org: try OrgNumber("986352325"), name: "Test Sparebank", now: Date())
                try await body(Running(stack: stack, bank: Caller(server: stack.brokerURL, credential: key.text), bankKey: key.text, clock: clock, store: store))
            }
        }
    }

    static var person: String { get throws { try fixturePeople()[0].personId.digits } }

    @Test func bankCitizenAndAgencyEndToEnd() async throws {
        try await Self.withStack { run in
            let person = try Self.person
            let id = try await run.createConsent(for: person)
            let shown = try await run.bank.send("GET", "/v1/consents/\(id)")
            #expect(shown.json["status"] as? String == "pending")
            #expect(shown.json["bankOrg"] as? String == "986352325")

            // Not active yet: refused, logged, and nothing fetched.
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 409)
            #expect(run.stack.agencyTraffic.dataRequests == 0)

            let token = try await run.idToken(person)
            let listed = try await runCLI(["consent", "list", "--server", run.stack.brokerURL], environment: ["SAMTYKKE_ID_TOKEN": token])
            #expect(listed.status == 0 && listed.stdout.contains(id) && listed.stdout.contains("pending"), "\(listed)")
            let granted = try await runCLI(["consent", "grant", id, "--server", run.stack.brokerURL, "--id-token", token])
            #expect(granted.status == 0, "\(granted.stderr)")
            #expect(granted.stdout.contains("granted consent \(id)"))

            let issued = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(issued.status == 201, "\(issued.text)")
            #expect(run.stack.agencyTraffic.dataRequests == 1)
            let bundle = try #require(issued.json["bundle"] as? String)

            // A JOSE library that is not ours verifies the bundle against the published JWKS.
            let jwks = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/.well-known/jwks.json")
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwks.text)
            struct Claims: JWTPayload {
                let iss: String
                let aud: String
                let jti: String
                let consent: [String: JSONAny]
                let data: [String: [String: JSONAny]]
                func verify(using algorithm: some JWTAlgorithm) async throws {}
            }
            let claims = try await keys.verify(bundle, as: Claims.self)
            #expect(claims.aud == "986352325")
            #expect(Set(claims.data.values.flatMap(\.keys)).isSubset(of: ["income", "debt"]))
            let header = try JWSVerifier.header(of: bundle)
            #expect(header.alg == "ES256" && header.typ == "samtykke-bundle+jwt")

            // The receipt proves the bundle is on the log, checked offline with the published log key.
            let answer = try JSONDecoder().decode(BundleAnswer.self, from: Data(issued.text.utf8))
            let logKey = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/v1/audit/log-key").text
            try ReceiptCheck.verify(bundle: bundle, receipt: answer.auditReceipt, logKey: logKey)
            #expect {
                try ReceiptCheck.verify(bundle: bundle + "x", receipt: answer.auditReceipt, logKey: logKey)
            } throws: { error in
                if case .otherBundle? = error as? ReceiptError { true } else { false }
            }
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 1)

            let revoked = try await runCLI(["consent", "revoke", id, "--server", run.stack.brokerURL], environment: ["SAMTYKKE_ID_TOKEN": token])
            #expect(revoked.status == 0, "\(revoked.stderr)")
            let refused = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(refused.status == 409)
            #expect(refused.header("Content-Type") == "application/problem+json")
            #expect(run.stack.agencyTraffic.dataRequests == 1)

            let log = try await run.citizen(person).send("GET", "/v1/me/access-log")
            let types = (log.json["entries"] as? [[String: Any]])?.compactMap { $0["type"] as? String }
            #expect(types == ["consent.requested", "bundle.refused", "consent.granted", "bundle.issued", "consent.revoked", "bundle.refused"])
            let text = try await runCLI(["consent", "log", "--server", run.stack.brokerURL, "--id-token", token])
            #expect(text.status == 0 && text.stdout.contains("Test Sparebank (986352325) received debt and income for 2023, 2024"), "\(text.stdout)")
        }
    }

    @Test func deniedExpiredAndUsedUpConsentsYieldNoBundleAndNoFetch() async throws {
        try await Self.withStack { run in
            let person = try Self.person
            let citizen = try await run.citizen(person)

            let denied = try await run.createConsent(for: person)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(denied)/deny").status == 200)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(denied)/grant").status == 409)
            #expect(try await run.bank.send("POST", "/v1/consents/\(denied)/bundles").status == 409)

            let once = try await run.createConsent(for: person, maxUses: 1)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(once)/grant").status == 200)
            #expect(try await run.bank.send("POST", "/v1/consents/\(once)/bundles").status == 201)
            #expect(try await run.bank.send("GET", "/v1/consents/\(once)").json["status"] as? String == "exhausted")
            #expect(try await run.bank.send("POST", "/v1/consents/\(once)/bundles").status == 409)
            #expect(run.stack.agencyTraffic.dataRequests == 1)

            let shortLived = try await run.createConsent(for: person, validFor: 3600)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(shortLived)/grant").status == 200)
            run.clock.advance(by: 3601)
            let late = try await run.bank.send("POST", "/v1/consents/\(shortLived)/bundles")
            #expect(late.status == 409)
            #expect(run.stack.agencyTraffic.dataRequests == 1)
            #expect(try await run.bank.send("GET", "/v1/consents/\(shortLived)").json["status"] as? String == "expired")

            let entries = try await run.stack.broker.store.logEntries(LogQuery(limit: 1000, consentId: try ConsentID(shortLived)))
            let types = try entries.map { try LogLeaf(leafBytes: $0.leaf).type.rawValue }
            #expect(types == ["consent.requested", "consent.granted", "consent.expired", "bundle.refused"])
        }
    }

    @Test func pendingRequestsExpireInTheBackground() async throws {
        try await Self.withStack { run in
            let person = try Self.person
            let id = try await run.createConsent(for: person, validFor: 3600)
            run.clock.advance(by: 3601)
            var status: String?
            for _ in 0..<50 where status != "expired" {
                try await Task.sleep(for: .milliseconds(100))
                status = try await run.bank.send("GET", "/v1/consents/\(id)").json["status"] as? String
            }
            #expect(status == "expired")
            let citizen = try await run.citizen(person)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 409)
        }
    }

    @Test func partiesSeeOnlyTheirOwn() async throws {
        try await Self.withStack { run in
            let people = try fixturePeople()
            let id = try await run.createConsent(for: people[0].personId.digits)
            let otherKey = try await run.stack.broker.store.addBank(org: try OrgNumber("974760673"), name: "Other Bank", now: Date())
            let otherBank = Caller(server: run.stack.brokerURL, credential: otherKey.text)
            let notFound = try await otherBank.send("GET", "/v1/consents/\(id)")
            let missing = try await otherBank.send("GET", "/v1/consents/\(UUID().uuidString.lowercased())")
            #expect(notFound.status == 404 && missing.status == 404)
            #expect(notFound.json["title"] as? String == missing.json["title"] as? String)
            #expect(try await otherBank.send("POST", "/v1/consents/\(id)/bundles").status == 404)

            let stranger = try await run.citizen(people[1].personId.digits)
            #expect(try await stranger.send("GET", "/v1/me/consents/\(id)").status == 404)
            #expect(try await stranger.send("POST", "/v1/me/consents/\(id)/grant").status == 404)
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["status"] as? String == "pending")

            // A citizen token is not a bank key, and the other way round.
            let citizen = try await run.citizen(people[0].personId.digits)
            #expect(try await Caller(server: run.stack.brokerURL, credential: citizen.credential).send("GET", "/v1/consents/\(id)").status == 401)
            #expect(try await Caller(server: run.stack.brokerURL, credential: run.bankKey).send("GET", "/v1/me/consents").status == 401)
            #expect(try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/v1/consents/\(id)").status == 401)
        }
    }

    @Test func badInputGetsProblemsNamingTheField() async throws {
        try await Self.withStack { run in
            let person = try Self.person
            func problem(_ body: [String: Any]) async throws -> (Int, String?) {
                let answer = try await run.bank.send("POST", "/v1/consents", body: body)
                #expect(answer.header("Content-Type") == "application/problem+json")
                return (answer.status, answer.json["field"] as? String)
            }
            var body = consentRequest(for: person)
            body["personId"] = "12345678901"
            #expect(try await problem(body) == (400, "personId"))
            body = consentRequest(for: person)
            body["scopes"] = ["income", "salary"]
            #expect(try await problem(body) == (400, "scopes[1]"))
            body = consentRequest(for: person)
            body["years"] = [2023, 2999]
            #expect(try await problem(body) == (400, "years[1]"))
            body = consentRequest(for: person)
            body["bankOrg"] = "974760673"
            #expect(try await problem(body) == (400, "bankOrg"))
            body = consentRequest(for: person)
            body["maxUses"] = 0
            #expect(try await problem(body) == (400, "maxUses"))
            body = consentRequest(for: person)
            body.removeValue(forKey: "purpose")
            #expect(try await problem(body) == (400, "purpose"))
            body = consentRequest(for: person)
            body["validUntil"] = "tomorrow"
            #expect(try await problem(body) == (400, "validUntil"))

            let notJSON = try await run.bank.send("POST", "/v1/consents", raw: Array("{".utf8))
            #expect(notJSON.status == 400)
            let huge = try await run.bank.send("POST", "/v1/consents", raw: Array(repeating: UInt8(ascii: " "), count: 200_000))
            #expect(huge.status == 413)
            #expect(try await run.bank.send("GET", "/v1/consents/not-an-id").status == 404)
            #expect(try await run.bank.send("GET", "/v1/nothing-here").status == 404)
        }
    }
}

/// Any JSON value, for decoding claims whose shape this test does not pin.
struct JSONAny: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { return }
        if (try? container.decode(Bool.self)) != nil { return }
        if (try? container.decode(Double.self)) != nil { return }
        if (try? container.decode(String.self)) != nil { return }
        if (try? container.decode([JSONAny].self)) != nil { return }
        _ = try container.decode([String: JSONAny].self)
    }

    func encode(to encoder: any Encoder) throws {}
}
