import Foundation
import SamtykkeApp
import SamtykkeCore
import SamtykkeStore
import TestSupport
import Testing
@testable import SamtykkeServer

/// How the sender treats an endpoint that is not a good peer, over real HTTPS to
/// `scripts/webhook-receiver`: it follows no redirect, reads no more than 4 KiB of an answer, gives
/// up on one that hangs, trusts no CA it was not given, looks at the address again before every
/// attempt, and never lets one slow endpoint hold up another's deliveries.
@Suite(.heavy, .serialized) struct WebhookTransportTests {
    static let bank = "986352325"

    /// Waits until `webhook` has an attempt recorded that `done` accepts, up to `timeout`.
    static func attempts(
        of webhook: String, in run: ConsentFlowTests.Running, timeout: Duration = .seconds(20), until done: ([DeliveryAttempt]) -> Bool = { !$0.isEmpty }
    ) async throws -> [DeliveryAttempt] {
        let store = run.stack.broker.store
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let log = try await store.deliveryLog(webhook: webhook, of: try OrgNumber(Self.bank), limit: 100) ?? []
            if done(log) { return log }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await store.deliveryLog(webhook: webhook, of: try OrgNumber(Self.bank), limit: 100) ?? []
    }

    static let oneAttempt: [TimeInterval] = Array(repeating: 3600, count: 9)

    @Test func aRedirectIsAFailedAttemptAndIsNotFollowed() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try receiver.answer("/hook redirect \(receiver.url("/elsewhere"))")
                try await WebhookDeliveryTests.withBroker(receiver, schedule: Self.oneAttempt) { run in
                    let webhook = try await WebhookDeliveryTests.register(receiver.url(), as: run.bank, at: receiver)
                    _ = try await run.createConsent(for: try ConsentFlowTests.person)
                    let log = try await Self.attempts(of: webhook, in: run)
                    #expect(log.map(\.result) == [.status(307)])
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(receiver.received().map(\.path) == ["/hook"], "the redirect was followed")
                }
            }
        }
    }

    @Test func anAnswerWithoutEndIsReadOnlyToItsFirstBytes() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try receiver.answer("stream")
                try await WebhookDeliveryTests.withBroker(receiver, schedule: Self.oneAttempt) { run in
                    let webhook = try await WebhookDeliveryTests.register(receiver.url(), as: run.bank, at: receiver)
                    _ = try await run.createConsent(for: try ConsentFlowTests.person)
                    // Its status is all that counts: the sender stops reading at 4 KiB instead of
                    // taking 60 MB, or failing the attempt for a body it never needed.
                    let log = try await Self.attempts(of: webhook, in: run)
                    #expect(log.map(\.result) == [.status(200)])
                    #expect(log.allSatisfy { $0.milliseconds < 5000 }, "\(log)")
                }
            }
        }
    }

    @Test func anEndpointThatHangsFailsTheAttemptAtTheTimeout() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try receiver.answer("hang 30")
                try await WebhookDeliveryTests.withBroker(receiver, schedule: Self.oneAttempt, timeout: .seconds(1)) { run in
                    let webhook = try await WebhookDeliveryTests.register(receiver.url(), as: run.bank, at: receiver)
                    _ = try await run.createConsent(for: try ConsentFlowTests.person)
                    let log = try await Self.attempts(of: webhook, in: run)
                    guard log.count == 1, case .failed(let reason) = log[0].result else { Issue.record("\(log)"); return }
                    #expect(reason.contains("timed out") || reason.contains("Timeout"), "\(reason)")
                    #expect(log[0].milliseconds >= 900 && log[0].milliseconds < 5000, "\(log)")
                }
            }
        }
    }

    @Test func anEndpointUnderACATheOperatorDidNotAddIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try await ConsentFlowTests.withStack(customize: { broker in
                    broker.webhookAllowPrivate = true
                    broker.webhookDelivery.schedule.waits = Self.oneAttempt
                }) { run in
                    let webhook = try await WebhookDeliveryTests.register(receiver.url(), as: run.bank, at: receiver)
                    _ = try await run.createConsent(for: try ConsentFlowTests.person)
                    let log = try await Self.attempts(of: webhook, in: run)
                    guard log.count == 1, case .failed(let reason) = log[0].result else { Issue.record("\(log)"); return }
                    #expect(reason.contains("certificate"), "\(reason)")
                    #expect(receiver.received().isEmpty)
                }
            }
        }
    }

    /// Registered while private addresses were allowed (say, before the operator dropped
    /// `--webhook-allow-private`), or a name that since resolves elsewhere: the address is judged
    /// again at each attempt, and nothing is sent.
    @Test func theAddressIsCheckedAgainBeforeEveryAttempt() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                let roots = Array(try Data(contentsOf: URL(fileURLWithPath: receiver.caFile)))
                try await ConsentFlowTests.withStack(customize: { broker in
                    broker.webhookDelivery.trustPEM = roots
                    broker.webhookDelivery.schedule.waits = Self.oneAttempt
                }) { run in
                    let broker = run.stack.broker.broker
                    #expect(!broker.webhookAllowPrivate)
                    let registered = try await WebhookRegistrar(signer: broker.signer, allowPrivate: true)
                        .register(url: receiver.url(), for: try OrgNumber(Self.bank), in: broker.store, now: run.clock.now())
                    _ = try await run.createConsent(for: try ConsentFlowTests.person)
                    let log = try await Self.attempts(of: registered.webhook.id, in: run)
                    guard log.count == 1, case .failed(let reason) = log[0].result else { Issue.record("\(log)"); return }
                    #expect(reason.contains("127.0.0.1") && reason.contains("loopback"), "\(reason)")
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(receiver.received().isEmpty, "a delivery went to a loopback address")
                }
            }
        }
    }

    /// Another bank's endpoint that hangs holds at most half the sender's slots, and each slot is
    /// taken again as soon as its delivery settles: this bank's events keep arriving meanwhile.
    @Test func anEndpointThatHangsDoesNotHoldUpAnothersDeliveries() async throws {
        try await withTemporaryDirectory { dir in
            try await WebhookReceiver.with(in: dir) { receiver in
                try await receiver.start()
                try receiver.answer("/slow hang 60")
                try await WebhookDeliveryTests.withBroker(receiver, schedule: Self.oneAttempt, timeout: .seconds(12)) { run in
                    let other = Caller(server: run.stack.brokerURL, credential: try await run.stack.broker.store
                        .addBank(org: try OrgNumber(WebhookDeliveryTests.otherBank), name: "Other Bank", now: Date()).text)
                    _ = try await WebhookDeliveryTests.register(receiver.url("/slow"), as: other, at: receiver)
                    _ = try await WebhookDeliveryTests.register(receiver.url("/fast"), as: run.bank, at: receiver)
                    let person = try ConsentFlowTests.person
                    // More of the other bank's consents than the sender has slots, each with its own event.
                    for _ in 0..<12 {
                        #expect(try await other.send("POST", "/v1/consents", body: consentRequest(for: person, now: run.clock.now())).status == 201)
                    }
                    try await receiver.waitFor("the slow endpoint's first attempts") { $0.filter { $0.path == "/slow" }.count >= 4 }
                    for n in 1...3 {
                        let started = ContinuousClock.now
                        let consent = try await run.createConsent(for: person)
                        try await receiver.waitFor("this bank's event \(n)", timeout: .seconds(10)) { $0.contains { $0.path == "/fast" && $0.consentId == consent } }
                        #expect(started.duration(to: .now) < .seconds(10))
                    }
                    let slow = receiver.received().filter { $0.path == "/slow" }
                    #expect(slow.count == 4, "the hanging endpoint held \(slow.count) deliveries at once, not at most 4")
                }
            }
        }
    }
}
