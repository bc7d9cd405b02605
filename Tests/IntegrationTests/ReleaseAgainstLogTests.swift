import AgencyClient
import ChildProcess
import Crypto
import CurlAgencyClient
import CurlHTTP
import DevPKI
import Foundation
import SamtykkeApp
import SamtykkeCore
import SamtykkeDemo
import SamtykkeJOSE
import Synchronization
import TestSupport
import Testing
import TransparencyLog

/// SPEC §5 "Release against the log" with every real part: the broker logs each fetch and waits
/// for a real witness to cosign it; the agency, over mutual TLS and libcurl, releases only what its
/// gate lets through, following the broker's public tiles with libcurl. The tokens the agency is
/// shown here are the broker's own, replayed, or forged with the broker's key, as a compromised
/// broker would.
@Suite(.heavy, .serialized) struct ReleaseAgainstLogTests {
    struct Running {
        let stack: LocalStack
        let bank: Caller
        let clock: TestClock
        let agency: RecordingAgency

        func grantedConsent(for person: String, maxUses: Int = 3) async throws -> String {
            let answer = try await bank.send("POST", "/v1/consents", body: consentRequest(for: person, maxUses: maxUses, validFor: 86_400, now: clock.now()))
            let id = try #require(answer.json["id"] as? String)
            let citizen = Caller(server: stack.brokerURL, credential: try await idToken(person))
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            return id
        }

        func idToken(_ person: String) async throws -> String {
            try DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(stack.paths.idProviderKey.path))).mint(pid: person)
        }

        /// A token the broker made for a fetch the agency never answered: valid, with its proof, unreleased.
        func unreleasedToken(for id: String) async throws -> String {
            agency.failNext()
            let refused = try await bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(refused.status == 502, "\(refused.text)")
            return try #require(agency.tokens.last)
        }

        /// `token` shown to the agency as the broker shows it: over mutual TLS with the broker's certificate.
        func present(_ token: String, person: String) async throws -> Answer {
            let paths = stack.paths
            let client = CurlClient(configuration: CurlClientConfiguration(tls: CurlTLSConfiguration(
                caFile: paths.caCertificate.path, clientCertificateFile: paths.brokerClientCertificate.path, clientKeyFile: paths.brokerClientKey.path)))
            let response = try await client.execute(.get(
                "\(stack.agencyURL)/v1/persons/\(person)/tax-data", headers: [CurlHeader(name: "Authorization", value: "Bearer \(token)")]))
            return Answer(status: response.status, body: response.body, headers: response.headers)
        }

        /// `token`'s claims changed by `edit` and signed again with the broker's bundle key.
        func forged(_ token: String, _ edit: (inout [String: Any]) throws -> Void) throws -> String {
            var claims = try ReleaseAgainstLogTests.claims(of: token)
            try edit(&claims)
            let signer = try ES256Signer(privateKey: KeyFiles.p256(stack.paths.bundleSigningKey.path))
            return try signer.sign(payloadJSON: Array(try JSONSerialization.data(withJSONObject: claims)), typ: ConsentTokenClaims.typ)
        }
    }

    static func withReleasingStack(_ body: @Sendable (Running) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let clock = TestClock()
            let agency = RecordingAgency()
            let store = try await TestBackend.store(in: dir)
            _ = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: store, releaseAgainstLog: true, customize: { broker in
                broker.clock = { clock.now() }
                broker.given.agency = agency
                // What these tests check is which fetches the agency releases, not how fast: in the
                // whole suite on two cores the agency's first catch-up of the log can take longer
                // than the 4 s a production attempt gets (a 504 then, and the test fails for speed).
                broker.limits.bundleDeadline = .seconds(30)
            }) { stack in
                agency.connect(to: stack.agencyURL, paths: stack.paths)
                let key = try await stack.broker.store.addBank(org: try OrgNumber("986352325"), name: "Test Sparebank", now: Date())
                try await body(Running(stack: stack, bank: Caller(server: stack.brokerURL, credential: key.text), clock: clock, agency: agency))
            }
        }
    }

    static let otherWitness = try! CosignatureSigner(name: "witness.test/other", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
    static let otherLog = try! NoteSigner(name: "other.test/log", privateKey: Curve25519.Signing.PrivateKey()).verifierKey

    static func claims(of token: String) throws -> [String: Any] {
        let payload = try #require(Base64URL.decode(String(token.split(separator: ".")[1])))
        return try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
    }

    static func refusal(_ answer: Answer) -> String {
        "\(answer.status) \((answer.json["type"] as? String) ?? "") \((answer.json["detail"] as? String) ?? answer.text)"
    }

    /// The flow with release on: `data.requested` before the fetch, its witnessed proof in the
    /// token, `bundle.issued` naming it; then the same token again is the replay check 4 stops.
    @Test func releasesOnceAFetchLoggedAndWitnessed() async throws {
        try await Self.withReleasingStack { run in
            let person = try fixturePeople()[0].personId.digits
            let id = try await run.grantedConsent(for: person)
            let issued = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(issued.status == 201, "\(issued.text)")
            #expect(run.stack.agencyTraffic.dataRequests == 1)

            let token = try #require(run.agency.tokens.last)
            let claims = try Self.claims(of: token)
            let tlog = try #require(claims["tlog"] as? [String: Any])
            #expect((tlog["proof"] as? String)?.hasPrefix("c2sp.org/tlog-proof@v1\nindex 2\n") == true, "\(tlog)")
            let leaf = try #require((tlog["entry"] as? String).flatMap { Data(base64Encoded: $0) })
            let entry = try #require(try JSONSerialization.jsonObject(with: leaf) as? [String: Any])
            #expect(entry["type"] as? String == "data.requested" && entry["index"] as? Int == 2)
            #expect(entry["consent"] as? String == claims["consent_tag"] as? String)
            let receipt = try #require(issued.json["auditReceipt"] as? [String: Any])
            let details = ((receipt["opening"] as? [String: Any])?["private"] as? [String: Any])?["details"] as? [String: Any]
            #expect(details?["dataRequested"] as? Int == 2, "\(receipt)")

            let replayed = try await run.present(token, person: person)
            #expect(replayed.status == 403 && (replayed.json["type"] as? String)?.hasSuffix(":release-once-per-entry") == true, "\(Self.refusal(replayed))")
            #expect(run.stack.agencyTraffic.dataRequests == 2)
        }
    }

    /// What a compromised broker can sign with its own key is refused unless the log holds the
    /// fetch: no proof; a consent it never logged; someone else's person or bank under a logged
    /// entry; a checkpoint its witness never cosigned.
    @Test func refusesTokensTheLogDoesNotBackEvenWithTheBrokersSignature() async throws {
        try await Self.withReleasingStack { run in
            let people = try fixturePeople()
            let person = people[0].personId.digits
            let other = people[1].personId.digits
            let id = try await run.grantedConsent(for: person)
            let token = try await run.unreleasedToken(for: id)
            func detail(_ claims: inout [String: Any], _ key: String, _ value: String) throws {
                var details = try #require(claims["authorization_details"] as? [[String: Any]])
                details[0][key] = value
                claims["authorization_details"] = details
            }
            let cases: [(String, String, String, (inout [String: Any]) throws -> Void)] = [
                ("no proof", person, ":release-log-proof", { claims in
                    claims["tlog"] = nil
                    claims["consent_tag"] = nil
                }),
                ("a consent never logged", person, "another consent", { try detail(&$0, "id", ConsentID().description) }),
                ("another person", other, "another person", { try detail(&$0, "from", "urn:altinn:person:identifier-no:\(other)") }),
                ("another bank", person, "another bank", { try detail(&$0, "to", "urn:altinn:organization:identifier-no:974760673") }),
                ("no witness quorum", person, "lacks the policy's quorum", { claims in
                    var tlog = try #require(claims["tlog"] as? [String: Any])
                    let proof = try #require(tlog["proof"] as? String)
                    tlog["proof"] = proof.split(separator: "\n", omittingEmptySubsequences: false)
                        .filter { !$0.hasPrefix("— \(LocalStack.witnessName) ") }.joined(separator: "\n")
                    claims["tlog"] = tlog
                }),
            ]
            for (name, path, expected, edit) in cases {
                let refused = try await run.present(try run.forged(token, edit), person: path)
                #expect(refused.status == 403, "\(name): \(Self.refusal(refused))")
                #expect(Self.refusal(refused).contains(expected), "\(name): \(Self.refusal(refused))")
            }
            // The same token as the broker signed it is released: each refusal above was the forgery's.
            #expect(try await run.present(token, person: person).status == 200)
        }
    }

    /// A valid token with a valid proof, never used, replayed after the consent ended: the agency's
    /// monitor follows the log past the proof and has seen the end.
    @Test(arguments: ["revoked", "withdrawn", "expired"])
    func refusesAReplayAfterTheConsentEnded(_ end: String) async throws {
        try await Self.withReleasingStack { run in
            let person = try fixturePeople()[0].personId.digits
            let id = try await run.grantedConsent(for: person)
            let token = try await run.unreleasedToken(for: id)
            switch end {
            case "revoked":
                let citizen = Caller(server: run.stack.brokerURL, credential: try await run.idToken(person))
                #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/revoke").status == 200)
            case "withdrawn":
                #expect(try await run.bank.send("DELETE", "/v1/consents/\(id)").status == 200)
            default:
                run.clock.advance(by: 86_400 + 60)
                // The next request settles the expiry, on the log.
                #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 409)
            }
            let replayed = try await run.present(token, person: person)
            #expect(replayed.status == 403 && Self.refusal(replayed).contains(":release-log-monitor"), "\(Self.refusal(replayed))")
            #expect(Self.refusal(replayed).contains("ended"), "\(Self.refusal(replayed))")
        }
    }

    /// A policy either side cannot use stops it at start, in one line.
    @Test func serveAndTheAgencyRefuseAPolicyTheyCannotUse() async throws {
        try await withTemporaryDirectory { dir in
            let paths = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            let logKey = try BrokerSettings(pki: paths.directory.path).logSigner().verifierKey
            let witness = BrokerWitnessTests.stranger
            func policy(_ text: String) throws -> String {
                let file = dir.appendingPathComponent("policy-\(UUID().uuidString)")
                try text.write(to: file, atomically: true, encoding: .utf8)
                return file.path
            }
            let serve = ["serve", "--pki", paths.directory.path, "--data-dir", dir.appendingPathComponent("data").path, "--tax-agency", "https://127.0.0.1:1", "--port", "0"]
            for (text, witnesses, expected) in [
                ("log \(logKey)\nwitness w1 \(witness)\nquorum w1\n", [String](), "cannot meet the quorum"),
                ("log \(logKey)\nwitness w1 \(witness)\nquorum w1\n", ["http://127.0.0.1:1=\(Self.otherWitness)"], "none of them is a witness the policy names"),
                ("log \(Self.otherLog)\nwitness w1 \(witness)\nquorum w1\n", ["http://127.0.0.1:1=\(witness)"], "names the log"),
            ] {
                // Under `timeout`: a broken check would have the broker serve until killed.
                let refused = try await Command.run(
                    "/usr/bin/timeout", ["60", Package.binary.path] + serve + ["--agency-log-policy", try policy(text)] + witnesses.flatMap { ["--witness", $0] },
                    cwd: Package.root.path, environment: plainTerminal)
                #expect(refused.status != 0 && refused.stderr.contains(expected) && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            }
            let agency = try await runCLI([
                "mock-tax-agency", "--pki", paths.directory.path, "--port", "0", "--log", "http://127.0.0.1:1/v1/audit/tlog",
                "--log-policy", try policy("log \(logKey)\nwitnes w1 \(witness)\nquorum w1\n"),
            ])
            #expect(agency.status != 0 && agency.stderr.contains("policy line 2: unknown line 'witnes'"), "\(agency.stderr)")
            #expect(agency.stderr.split(separator: "\n").count == 1, "\(agency.stderr)")
        }
    }
}

/// The agency as the broker calls it, over mutual TLS with libcurl, with every consent token kept;
/// `failNext` keeps the next one from the agency, as a lost call would.
final class RecordingAgency: TaxAgency {
    private let agency = Mutex<CurlTaxAgency?>(nil)
    private let state = Mutex<(tokens: [String], failNext: Bool)>(([], false))

    var name: String { "recorded tax agency" }
    var tokens: [String] { state.withLock { $0.tokens } }

    func connect(to url: String, paths: PKIPaths) {
        agency.withLock {
            $0 = CurlTaxAgency(
                baseURL: url,
                tls: CurlTLSConfiguration(
                    caFile: paths.caCertificate.path, clientCertificateFile: paths.brokerClientCertificate.path, clientKeyFile: paths.brokerClientKey.path),
                retry: RetryPolicy(attemptTimeout: .seconds(30))
            )
        }
    }

    func failNext() { state.withLock { $0.failNext = true } }

    func taxData(for person: PersonID, consentToken: String, deadline: ContinuousClock.Instant) async throws(AgencyError) -> AgencyResponse {
        let kept = state.withLock { state in
            state.tokens.append(consentToken)
            defer { state.failNext = false }
            return state.failNext
        }
        if kept { throw .unreachable("the test kept the token from the agency") }
        guard let agency = agency.withLock({ $0 }) else { throw .unreachable("not connected yet") }
        return try await agency.taxData(for: person, consentToken: consentToken, deadline: deadline)
    }

    func checkHealth(deadline: ContinuousClock.Instant) async throws(AgencyError) {
        guard let agency = agency.withLock({ $0 }) else { throw .unreachable("not connected yet") }
        try await agency.checkHealth(deadline: deadline)
    }
}
