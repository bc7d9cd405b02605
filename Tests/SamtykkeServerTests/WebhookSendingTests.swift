import Foundation
import SamtykkeStore
import Testing
import TestSupport
@testable import SamtykkeServer
@testable import WebhookEngine

/// The sender's pure parts: the signature as Standard Webhooks defines it, and the retry schedule.
@Suite(.sameOnEveryBackend)
struct WebhookSendingTests {
    /// The example of the Standard Webhooks specification, which every library's tests use too.
    @Test func signsAsTheStandardWebhooksSpecificationsExample() throws {
        let secret = Array(try #require(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")))
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8), secret: secret
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    func attempt(_ number: Int, _ result: DeliveryAttempt.Result, at: Date = Date(timeIntervalSince1970: 0)) -> DeliveryAttempt {
        DeliveryAttempt(webhookId: "wh_x", event: EventID(logIndex: 1), attempt: number, at: at, milliseconds: 1, result: result)
    }

    @Test func failuresAreRetriedOnTheStandardScheduleForAboutThreeDaysThenGivenUp() {
        let schedule = DeliverySchedule(jitter: { 0 })
        let start = Date(timeIntervalSince1970: 0)
        let waits = (1...9).map { number -> TimeInterval? in
            guard case .retry(let next) = schedule.verdict(after: attempt(number, .status(500), at: start), retryAfter: nil) else { return nil }
            return next.timeIntervalSince(start)
        }
        #expect(waits == [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400])
        #expect(schedule.verdict(after: attempt(10, .failed("refused")), retryAfter: nil) == .gaveUp)
        #expect(schedule.verdict(after: attempt(1, .status(204)), retryAfter: nil) == .delivered)
        #expect(schedule.verdict(after: attempt(1, .status(299)), retryAfter: nil) == .delivered)
        #expect(schedule.verdict(after: attempt(1, .status(301)), retryAfter: nil) != .delivered, "a redirect is not a delivery")
        #expect(schedule.verdict(after: attempt(3, .status(410)), retryAfter: nil) == .gone)
        // Jitter spreads a wait by up to a tenth, never shortens it.
        let spread = DeliverySchedule(jitter: { 0.999 }).verdict(after: attempt(2, .status(500), at: start), retryAfter: nil)
        guard case .retry(let next) = spread else { Issue.record("not retried: \(spread)"); return }
        #expect(next.timeIntervalSince(start) > 300 && next.timeIntervalSince(start) < 330)
    }

    @Test func retryAfterOn429And503WaitsAsAskedWithinADay() {
        let schedule = DeliverySchedule(jitter: { 0 })
        let start = Date(timeIntervalSince1970: 0)
        #expect(schedule.verdict(after: attempt(1, .status(429), at: start), retryAfter: 120) == .retry(at: start.addingTimeInterval(120)))
        #expect(schedule.verdict(after: attempt(1, .status(503), at: start), retryAfter: 10 * 86_400) == .retry(at: start.addingTimeInterval(86_400)))
        // Never sooner than the schedule, and only for the statuses that mean "later".
        #expect(schedule.verdict(after: attempt(2, .status(503), at: start), retryAfter: 1) == .retry(at: start.addingTimeInterval(300)))
        #expect(schedule.verdict(after: attempt(1, .status(500), at: start), retryAfter: 120) == .retry(at: start.addingTimeInterval(5)))
        #expect(DeliverySchedule.retryAfter("120", now: start) == 120)
        #expect(DeliverySchedule.retryAfter("Thu, 01 Jan 1970 00:02:00 GMT", now: start) == 120)
        #expect(DeliverySchedule.retryAfter("-5", now: start) == nil && DeliverySchedule.retryAfter("soon", now: start) == nil)
    }
}
