import Foundation
import SamtykkeApp
import SamtykkeCore
import TestSupport
import Testing
import TransparencyLog

/// Two `samtykke serve` processes on one PostgreSQL database, as behind a load balancer: one log,
/// one tree, and every rule of SPEC §1 holding across them.
@Suite(.heavy, .serialized, .enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct TwoInstanceTests {
    static func withTwo(_ body: (ProcessStack) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in try await withTwo(in: dir, body) }
    }

    static func withTwo(in dir: URL, brokerArguments: [String] = [], _ body: (ProcessStack) async throws -> Void) async throws {
        try await ProcessStack.with(in: dir, store: .postgres(url: try await PostgresTestDatabase.create().url), brokers: 2, brokerArguments: brokerArguments) { stack in
            try await body(stack)
            // SIGTERM drains and exits 0 on both, also after one was killed and restarted.
            let statuses = await stack.stop()
            #expect(statuses == [0, 0], "\(zip(statuses, stack.brokers).filter { $0.0 != 0 }.map { "exit \(String(describing: $0.0)):\n\($0.1.logTail())" })")
        }
    }

    /// Both instances send (each runs a sender over the one outbox): every event reaches the bank's
    /// endpoint once, verified, and each consent's in log order, whichever instance made it.
    @Test func bothSendWebhooksAndEveryEventArrivesOnceInOrderPerConsent() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try await Self.withTwo(in: dir, brokerArguments: ["--webhook-allow-private", "--webhook-ca", receiver.caFile]) { stack in
                    let created = try await Caller(server: stack.brokers[0].url, credential: stack.bankKey)
                        .send("POST", "/v1/webhooks", body: ["url": receiver.url()])
                    #expect(created.status == 201, "\(created.text)")
                    try receiver.trust(secret: try #require(created.json["secret"] as? String), for: "/hook")
                    let people = try fixturePeople().prefix(4).map(\.personId.digits)
                    var consents: [String] = []
                    for (n, person) in people.enumerated() {
                        let bank = Caller(server: stack.brokers[n % 2].url, credential: stack.bankKey)
                        let citizen = Caller(server: stack.brokers[(n + 1) % 2].url, credential: try await stack.idToken(for: person))
                        let id = try #require(try await bank.send("POST", "/v1/consents", body: consentRequest(for: person, maxUses: 2)).json["id"] as? String)
                        #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
                        #expect(try await bank.send("POST", "/v1/consents/\(id)/bundles").status == 201)
                        #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/revoke").status == 200)
                        consents.append(id)
                    }
                    let received = try await receiver.waitFor("sixteen events") { $0.count >= 16 }
                    try await Task.sleep(for: .milliseconds(500))
                    let all = receiver.received()
                    #expect(all.count == 16 && Set(all.map(\.id)).count == 16, "duplicates or strays: \(all.map(\.id))")
                    #expect(all.allSatisfy { $0.verified })
                    for id in consents {
                        #expect(received.filter { $0.consentId == id }.map(\.type) == ["consent.requested", "consent.granted", "bundle.issued", "consent.revoked"])
                    }
                }
            }
        }
    }

    /// Both instances share one public URL and the one store of spent jtis: an assertion, or a DPoP
    /// proof, used on one is refused on the other (issue 30).
    @Test func aJtiUsedOnOneIsRefusedOnTheOther() async throws {
        try await withTemporaryDirectory { dir in
            let publicURL = "http://samtykke.test"
            try await Self.withTwo(in: dir, brokerArguments: ["--public-url", publicURL]) { stack in
                try await KeyBankClientTests.registerBanks(in: dir, store: stack.store)
                let run = try await TestPython.run([
                    KeyBankClientTests.script, "replay", dir.path, stack.brokers[0].url, stack.brokers[1].url, publicURL, KeyBankClientTests.bankA,
                ])
                #expect(run.status == 0, "\(run.stderr)")
                let results = try KeyBankClientTests.results(run.stdout)
                #expect(results["first"]?["status"] as? Int == 200 && results["proofFirst"]?["status"] as? Int == 200, "\(results)")
                #expect(results["second"]?["status"] as? Int == 400 && results["second"]?["error"] as? String == "invalid_grant", "\(results)")
                #expect(results["proofSecond"]?["status"] as? Int == 401, "\(results)")
                #expect((results["proofSecond"]?["challenge"] as? String)?.contains(#"error="invalid_dpop_proof""#) == true, "\(results)")
            }
        }
    }

    @Test func aConsentMadeOnOneIsGrantedAndUsedThroughTheOther() async throws {
        try await Self.withTwo { stack in
            let person = try fixturePeople()[0].personId.digits
            let a = stack.brokers[0].url, b = stack.brokers[1].url
            let created = try await Caller(server: a, credential: stack.bankKey).send("POST", "/v1/consents", body: consentRequest(for: person))
            let id = try #require(created.json["id"] as? String)
            let citizenOnB = Caller(server: b, credential: try await stack.idToken(for: person))
            #expect(try await citizenOnB.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let bundle = try await Caller(server: b, credential: stack.bankKey).send("POST", "/v1/consents/\(id)/bundles")
            #expect(bundle.status == 201, "\(bundle.text)")
            #expect(try await Caller(server: a, credential: stack.bankKey).send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 1)
        }
    }

    @Test func maxUsesHoldsExactlyUnderBundlesSpreadOverBoth() async throws {
        try await Self.withTwo { stack in
            let person = try fixturePeople()[1].personId.digits
            let a = Caller(server: stack.brokers[0].url, credential: stack.bankKey)
            let id = try #require(try await a.send("POST", "/v1/consents", body: consentRequest(for: person, maxUses: 5)).json["id"] as? String)
            #expect(try await Caller(server: stack.brokers[1].url, credential: try await stack.idToken(for: person)).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<30 {
                    let caller = Caller(server: stack.brokers[n % 2].url, credential: stack.bankKey)
                    group.addTask { try await caller.send("POST", "/v1/consents/\(id)/bundles").status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 5)
            #expect(statuses.allSatisfy { $0 == 201 || $0 == 409 })
            let shown = try await Caller(server: stack.brokers[1].url, credential: stack.bankKey).send("GET", "/v1/consents/\(id)")
            #expect(shown.json["uses"] as? Int == 5 && shown.json["status"] as? String == "exhausted")
        }
    }

    @Test func aRevokeOnOneStopsBundlesOnTheOtherAtOnce() async throws {
        try await Self.withTwo { stack in
            let person = try fixturePeople()[2].personId.digits
            let bankOnB = Caller(server: stack.brokers[1].url, credential: stack.bankKey)
            let citizenOnA = Caller(server: stack.brokers[0].url, credential: try await stack.idToken(for: person))
            let id = try #require(try await bankOnB.send("POST", "/v1/consents", body: consentRequest(for: person, maxUses: 10)).json["id"] as? String)
            #expect(try await citizenOnA.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            #expect(try await bankOnB.send("POST", "/v1/consents/\(id)/bundles").status == 201)
            #expect(try await citizenOnA.send("POST", "/v1/me/consents/\(id)/revoke").status == 200)
            let after = try await bankOnB.send("POST", "/v1/consents/\(id)/bundles")
            #expect(after.status == 409, "\(after.text)")
        }
    }

    @Test func eitherInstanceServesTheLogTheOtherSigned() async throws {
        try await Self.withTwo { stack in
            let people = try fixturePeople().prefix(4).map(\.personId.digits)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (n, person) in people.enumerated() {
                    let server = stack.brokers[n % 2].url
                    let token = try await stack.idToken(for: person)
                    group.addTask {
                        let bank = Caller(server: server, credential: stack.bankKey)
                        let id = try #require(try await bank.send("POST", "/v1/consents", body: consentRequest(for: person, maxUses: 3)).json["id"] as? String)
                        _ = try await Caller(server: server, credential: token).send("POST", "/v1/me/consents/\(id)/grant")
                        for _ in 0..<3 { _ = try await bank.send("POST", "/v1/consents/\(id)/bundles") }
                    }
                }
                try await group.waitForAll()
            }
            let auditor = try await runCLI(["auditor", "add"] + TestBackend.flags(stack.store) + ["--name", "Finanstilsynet"])
            let key = auditor.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            var settings = BrokerSettings()
            settings.pki = stack.paths.directory.path
            let logKey = try settings.logSigner().verifierKey
            let state = stack.paths.directory.appendingPathComponent("audit-state.json").path
            // The whole log through A, then through B against the state A's run left: one history.
            for broker in stack.brokers {
                let verified = try await runCLI(["audit", "verify", "--server", broker.url, "--auditor-key", key, "--state", state, "--log-key", logKey])
                #expect(verified.status == 0, "\(verified.stderr)")
                #expect(verified.stdout.contains("verified: 24 entries"), "\(verified.stdout)")
            }
        }
    }

    @Test func sigkillOfOneInstanceUnderLoadLosesNothingAcknowledged() async throws {
        try await Self.withTwo { stack in
            let people = try fixturePeople().prefix(6).map(\.personId.digits)
            var tokens: [String: String] = [:]
            for person in people { tokens[person] = try await stack.idToken(for: person) }
            let citizenTokens = tokens
            let ledger = CrashTests.Ledger()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (n, person) in people.enumerated() {
                    let server = stack.brokers[n % 2].url
                    group.addTask {
                        try await CrashTests.load(server: server, bankKey: stack.bankKey, person: person, token: citizenTokens[person]!, ledger: ledger)
                    }
                }
                try await ledger.untilFirstBundle()
                for _ in 0..<5 {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 300...700)))
                    await stack.brokers[0].stop(signal: SIGKILL)
                    try stack.brokers[0].start()
                    try await stack.brokers[0].waitUntilReady()
                }
                try await Task.sleep(for: .milliseconds(300))
                ledger.stop()
                try await group.waitForAll()
            }
            try await CrashTests.check(store: stack.store, paths: stack.paths, bank: try OrgNumber(stack.bankOrg), received: ledger.received)
        }
    }
}
