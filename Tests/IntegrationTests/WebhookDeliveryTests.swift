import Foundation
import SamtykkeApp
import SamtykkeCore
import SamtykkeStore
import TestSupport
import Testing
@testable import SamtykkeServer

/// Webhooks as a bank receives them: a real HTTPS endpoint under its own CA, verifying with the
/// `standardwebhooks` library, over the broker's real sender and store (SQLite, or PostgreSQL with
/// `SAMTYKKE_TEST_BACKEND=postgres`).
@Suite(.heavy, .serialized) struct WebhookDeliveryTests {
    static let otherBank = "974760673"

    /// A broker that trusts `receiver`'s CA and may send to loopback.
    static func withBroker(
        _ receiver: WebhookReceiver, sqlite: Bool = false, schedule: [TimeInterval]? = nil, timeout: Duration? = nil,
        _ body: @Sendable (ConsentFlowTests.Running) async throws -> Void
    ) async throws {
        let roots = Array(try Data(contentsOf: URL(fileURLWithPath: receiver.caFile)))
        try await ConsentFlowTests.withStack(backend: sqlite ? .sqlite : .configured, customize: { broker in
            broker.webhookAllowPrivate = true
            broker.webhookDelivery.trustPEM = roots
            broker.webhookDelivery.pollInterval = .milliseconds(100)
            if let schedule { broker.webhookDelivery.schedule.waits = schedule }
            if let timeout { broker.webhookDelivery.timeout = timeout }
        }, body)
    }

    static func register(_ url: String, as bank: Caller, at receiver: WebhookReceiver) async throws -> String {
        let created = try await bank.send("POST", "/v1/webhooks", body: ["url": url])
        #expect(created.status == 201, "\(created.text)")
        try receiver.trust(secret: try #require(created.json["secret"] as? String), for: try #require(URLComponents(string: url)?.path))
        return try #require(created.json["id"] as? String)
    }

    static func status(of webhook: String, at bank: Caller) async throws -> String? {
        let listed = try await bank.send("GET", "/v1/webhooks").json["webhooks"] as? [[String: Any]]
        return listed?.first { $0["id"] as? String == webhook }?["status"] as? String
    }

    /// The endpoint's status settles after the attempt that changes it is recorded: wait for it, up to 5 s.
    static func expectStatus(_ expected: String, of webhook: String, at bank: Caller) async throws {
        for _ in 0..<100 where try await status(of: webhook, at: bank) != expected {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await status(of: webhook, at: bank) == expected)
    }

    @Test func everyChangeArrivesSignedInOrderAndOnlyAtItsOwnBank() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try await Self.withBroker(receiver) { run in
                    let other = Caller(server: run.stack.brokerURL, credential: try await run.stack.broker.store
                        .addBank(org: try OrgNumber(Self.otherBank), name: "Other Bank", now: Date()).text)
                    _ = try await Self.register(receiver.url("/ours"), as: run.bank, at: receiver)
                    _ = try await Self.register(receiver.url("/theirs"), as: other, at: receiver)

                    let person = try ConsentFlowTests.person
                    let citizen = try await run.citizen(person)
                    let used = try await run.createConsent(for: person)
                    #expect(try await citizen.send("POST", "/v1/me/consents/\(used)/grant").status == 200)
                    #expect(try await run.bank.send("POST", "/v1/consents/\(used)/bundles").status == 201)
                    #expect(try await citizen.send("POST", "/v1/me/consents/\(used)/revoke").status == 200)
                    let denied = try await run.createConsent(for: person)
                    #expect(try await citizen.send("POST", "/v1/me/consents/\(denied)/deny").status == 200)

                    let ours = try await receiver.waitFor("six events at our endpoint") { $0.filter { $0.path == "/ours" }.count >= 6 }
                        .filter { $0.path == "/ours" }
                    #expect(ours.allSatisfy { $0.verified }, "standardwebhooks refused a signature")
                    #expect(ours.allSatisfy { $0.id == "evt_\($0.logIndex ?? -1)" })
                    #expect(ours.filter { $0.consentId == used }.map(\.type) == ["consent.requested", "consent.granted", "bundle.issued", "consent.revoked"])
                    #expect(ours.filter { $0.consentId == denied }.map(\.type) == ["consent.requested", "consent.denied"])
                    #expect(ours.filter { $0.consentId == used }.map(\.status) == ["pending", "active", "active", "revoked"])
                    // The feed holds the same events, with the same ids.
                    let feedAnswer = try await run.bank.send("GET", "/v1/events")
                    let feed = try #require(feedAnswer.json["events"] as? [[String: Any]])
                    #expect(Set(feed.compactMap { $0["id"] as? String }) == Set(ours.map(\.id)))
                    #expect(!receiver.received().contains { $0.path == "/theirs" }, "another bank's endpoint heard of this bank's consents")

                    // And the other bank hears of its own, while ours hears nothing more.
                    let theirs = try await other.send("POST", "/v1/consents", body: consentRequest(for: person, now: run.clock.now()))
                    #expect(theirs.status == 201)
                    let heard = try await receiver.waitFor("the other bank's event") { $0.contains { $0.path == "/theirs" } }
                    #expect(heard.filter { $0.path == "/theirs" }.map(\.consentId) == [theirs.json["id"] as? String])
                    #expect(heard.filter { $0.path == "/ours" }.count == 6)
                }
            }
        }
    }

    /// A secret rotated over the API: during the overlap each delivery carries two signatures and
    /// the `standardwebhooks` library verifies it with the old secret and with the new one; after
    /// it, with the new one alone. The overlap is a day: the broker's clock is set back a day less a
    /// minute for the rotation, so the overlap ends a minute from now and every delivery's
    /// timestamp stays within the library's five minutes of the real time.
    @Test func duringARotationBothSecretsVerifyAndAfterItOnlyTheNewOne() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try await Self.withBroker(receiver) { run in
                    let created = try await run.bank.send("POST", "/v1/webhooks", body: ["url": receiver.url("/rotating")])
                    let webhook = try #require(created.json["id"] as? String)
                    let old = try #require(created.json["secret"] as? String)
                    try receiver.trust(secret: old, for: "/rotating")
                    let back: TimeInterval = 86_400 - 60
                    run.clock.advance(by: -back)
                    let rotated = try await run.bank.send("POST", "/v1/webhooks/\(webhook)/secret")
                    run.clock.advance(by: back)
                    #expect(rotated.status == 200, "\(rotated.text)")
                    let new = try #require(rotated.json["secret"] as? String)
                    try receiver.trust(secret: new, for: "/rotating")

                    let person = try ConsentFlowTests.person
                    let during = try await run.createConsent(for: person)
                    let first = try #require(try await receiver.waitFor("the event during the overlap") { $0.contains { $0.consentId == during } }
                        .first { $0.consentId == during })
                    #expect(Set(first.verifiedWith) == [old, new], "verified with \(first.verifiedWith.map { $0 == old ? "old" : "new" })")

                    run.clock.advance(by: 120)
                    let after = try await run.createConsent(for: person)
                    let second = try #require(try await receiver.waitFor("the event after the overlap") { $0.contains { $0.consentId == after } }
                        .first { $0.consentId == after })
                    #expect(second.verifiedWith == [new], "verified with \(second.verifiedWith.map { $0 == old ? "old" : "new" })")
                }
            }
        }
    }

    /// An IPv6 literal target is pinned (libcurl cannot pin it through CURLOPT_RESOLVE) and
    /// delivered: a receiver on [::1], allowed as private, through the code every target takes.
    @Test func anIPv6LiteralTargetIsDelivered() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir, host: "::1") { receiver in
                try await receiver.start()
                try await Self.withBroker(receiver) { run in
                    #expect(receiver.url("/v6").hasPrefix("https://[::1]:"))
                    let webhook = try await Self.register(receiver.url("/v6"), as: run.bank, at: receiver)
                    let consent = try await run.createConsent(for: try ConsentFlowTests.person)
                    let heard = try await receiver.waitFor("the event at [::1]") { $0.contains { $0.path == "/v6" } }
                    #expect(heard.filter { $0.path == "/v6" }.map(\.consentId) == [consent])
                    #expect(heard.allSatisfy { $0.verified }, "standardwebhooks refused a signature")
                    try await Self.expectStatus("active", of: webhook, at: run.bank)
                }
            }
        }
    }

    @Test func aDeliveryIsRetriedOnceTheEndpointIsBack() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                // Up once for its port, then down while the broker first tries it.
                try await receiver.start()
                await receiver.stop()
                // Waits of 2 s instead of the standard 5 s, 5 min, …: the schedule itself has its own test.
                try await Self.withBroker(receiver, schedule: Array(repeating: 2, count: 9)) { run in
                    let webhook = try await Self.register(receiver.url(), as: run.bank, at: receiver)
                    let consent = try await run.createConsent(for: try ConsentFlowTests.person)
                    let bank = try OrgNumber("986352325")
                    let store = run.stack.broker.store
                    // Nothing listens: attempts fail until it is back.
                    for _ in 0..<200 where (try await store.deliveryLog(webhook: webhook, of: bank, limit: 10) ?? []).isEmpty {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let failed = try #require(try await store.deliveryLog(webhook: webhook, of: bank, limit: 10))
                    guard case .failed = failed.last?.result else { Issue.record("the first attempt did not fail: \(failed)"); return }

                    try await receiver.start()
                    let received = try await receiver.waitFor("the retried event", timeout: .seconds(20)) { !$0.isEmpty }
                    #expect(received.count == 1 && received[0].verified && received[0].consentId == consent && received[0].type == "consent.requested")
                    // The receiver logs a request before it answers, the broker the attempt after the answer.
                    for _ in 0..<100 where try await store.deliveryLog(webhook: webhook, of: bank, limit: 10)?.first?.result != .status(204) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let log = try #require(try await store.deliveryLog(webhook: webhook, of: bank, limit: 10))
                    #expect(log.first?.result == .status(204))
                    #expect(log.count >= 2 && log.dropFirst().allSatisfy { if case .failed = $0.result { true } else { false } })
                    #expect(log.map(\.attempt) == Array((1...log.count).reversed()))
                    #expect(log.allSatisfy { $0.event.description == received[0].id })
                    let gaps = zip(log.dropFirst(), log).map { $1.at.timeIntervalSince($0.at) }
                    #expect(gaps.allSatisfy { $0 >= 2 }, "an attempt came before its wait was over: \(gaps)")
                }
            }
        }
    }

    @Test func anEndpointThatKeepsFailingIsDisabledAndAReplayBringsItBack() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try receiver.answer("status 500")
                try await receiver.start()
                // The standard schedule's ten attempts, with waits of 50 ms instead of up to a day.
                try await Self.withBroker(receiver, sqlite: true, schedule: Array(repeating: 0.05, count: 9)) { run in
                    let webhook = try await Self.register(receiver.url(), as: run.bank, at: receiver)
                    let consent = try await run.createConsent(for: try ConsentFlowTests.person)
                    let attempts = try await receiver.waitFor("ten attempts") { $0.count >= 10 }
                    #expect(attempts.count == 10 && Set(attempts.map(\.id)).count == 1 && attempts.allSatisfy { $0.verified })
                    try await Self.expectStatus("disabled", of: webhook, at: run.bank)

                    // A disabled endpoint hears nothing; the feed still has everything.
                    let later = try await run.createConsent(for: try ConsentFlowTests.person)
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(receiver.received().count == 10)
                    let feedAnswer = try await run.bank.send("GET", "/v1/events")
                    let feed = try #require(feedAnswer.json["events"] as? [[String: Any]])
                    #expect(feed.compactMap { ($0["data"] as? [String: Any])?["consentId"] as? String } == [consent, later])

                    // The operator sees every attempt, and replays once the endpoint is back.
                    let data = ["--data-dir", run.stack.paths.directory.deletingLastPathComponent().appendingPathComponent("data").path]
                    let shown = try await runCLI(["bank", "webhook", "log", "--org", "986352325", "--id", webhook] + data)
                    #expect(shown.status == 0, "\(shown.stderr)")
                    #expect(shown.stdout.split(separator: "\n").count == 10 && shown.stdout.contains("attempt 10") && shown.stdout.contains("HTTP 500"))
                    try receiver.answer("ok")
                    let replayed = try await runCLI(["bank", "webhook", "log", "--org", "986352325", "--id", webhook, "--replay", attempts[0].id] + data)
                    #expect(replayed.status == 0, "\(replayed.stderr)")
                    let after = try await receiver.waitFor("the replayed event") { $0.count >= 11 }
                    #expect(after[10].id == attempts[0].id && after[10].verified && after[10].mode == "ok")
                    try await Self.expectStatus("active", of: webhook, at: run.bank)
                    let refused = try await runCLI(["bank", "webhook", "log", "--org", Self.otherBank, "--id", webhook, "--replay", attempts[0].id] + data)
                    #expect(refused.status != 0 && refused.stderr.contains("no webhook"))
                }
            }
        }
    }

    @Test func failuresInARowShowAsFailingAndGoneDisablesAtOnce() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try receiver.answer("status 503 1")
                try await receiver.start()
                try await Self.withBroker(receiver, schedule: [0.05, 0.05, 3600, 3600, 3600, 3600, 3600, 3600, 3600]) { run in
                    let webhook = try await Self.register(receiver.url(), as: run.bank, at: receiver)
                    _ = try await run.createConsent(for: try ConsentFlowTests.person)
                    // Retry-After: 1 outweighs the 50 ms the schedule says.
                    let three = try await receiver.waitFor("three attempts") { $0.count >= 3 }
                    let times = three.compactMap { Int($0.timestamp) }
                    #expect(times.count == 3 && times[2] - times[0] >= 2, "Retry-After was not honoured: \(times)")
                    try await Self.expectStatus("failing", of: webhook, at: run.bank)

                    try receiver.answer("status 410")
                    #expect(try await run.stack.broker.store.replayDelivery(event: try #require(EventID(three[0].id)), webhook: webhook, of: try OrgNumber("986352325"), now: run.clock.now()))
                    try await receiver.waitFor("the replay") { $0.count >= 4 }
                    try await Self.expectStatus("disabled", of: webhook, at: run.bank)
                }
            }
        }
    }

    /// SIGKILL while a delivery is on its way: the restarted broker delivers it again, with the same
    /// `webhook-id`, once the dead one's lease (twice `--webhook-timeout`) has run out.
    @Test func aBrokerKilledMidDeliveryDeliversAfterRestartWithTheSameID() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try receiver.answer("hang 30")
                try await receiver.start()
                let flags = ["--webhook-allow-private", "--webhook-ca", receiver.caFile, "--webhook-timeout", "2"]
                try await ProcessStack.with(in: dir, brokerArguments: flags) { stack in
                    let bank = Caller(server: stack.broker.url, credential: stack.bankKey)
                    _ = try await Self.register(receiver.url(), as: bank, at: receiver)
                    let created = try await bank.send("POST", "/v1/consents", body: consentRequest(for: try ConsentFlowTests.person))
                    #expect(created.status == 201)
                    let first = try await receiver.waitFor("the first attempt") { !$0.isEmpty }
                    #expect(await stack.broker.stop(signal: SIGKILL) == 128 + SIGKILL)

                    try receiver.answer("ok")
                    try stack.broker.start()
                    try await stack.broker.waitUntilReady()
                    let again = try await receiver.waitFor("the delivery after the restart", timeout: .seconds(30)) { $0.count >= 2 }
                    #expect(again[1].id == first[0].id && again[1].verified && again[1].mode == "ok")
                    #expect(again[1].consentId == created.json["id"] as? String)
                }
            }
        }
    }
}
