import Foundation
import SamtykkeCore

/// One event (of a consent, or a test) on its way to one endpoint, held under a lease by the
/// instance that claimed it: no other instance claims it before the lease runs out, and a broker
/// killed mid-delivery leaves it to whichever instance claims it next, with the same event id.
public struct QueuedDelivery<Event: Sendable & Hashable>: Sendable, Hashable {
    public let webhook: Webhook
    public let event: Event
    /// 1 for the first attempt.
    public let attempt: Int
    /// Which claim this is: finishing a job whose lease another instance has since taken changes nothing.
    public let lease: String

    public init(webhook: Webhook, event: Event, attempt: Int, lease: String) {
        self.webhook = webhook
        self.event = event
        self.attempt = attempt
        self.lease = lease
    }
}

public typealias DeliveryJob = QueuedDelivery<OutboxEvent>
public typealias TestDeliveryJob = QueuedDelivery<TestEvent>

/// The deliveries still to be made, for the operator's gauges: how many, and how long the oldest has
/// waited (since its event happened).
public struct DeliveryBacklog: Sendable, Hashable {
    public let pending: Int
    /// When the event of the oldest pending delivery happened; nil when none is pending.
    public let oldestEventAt: Date?

    public init(pending: Int, oldestEventAt: Date?) {
        self.pending = pending
        self.oldestEventAt = oldestEventAt
    }
}

/// What one attempt saw, as `samtykke bank webhook log` shows it.
public struct DeliveryAttempt: Sendable, Hashable {
    public enum Result: Sendable, Hashable {
        /// The endpoint answered with this status.
        case status(Int)
        /// No answer: refused, timed out, a TLS failure, a refused address; the reason in one line.
        case failed(String)

        /// The status, or the reason there was none: the two columns stores keep and `webhook log` shows.
        public var columns: (status: Int?, error: String?) {
            switch self {
            case .status(let code): (code, nil)
            case .failed(let reason): (nil, reason)
            }
        }
    }

    public let webhookId: String
    public let event: MessageID
    public let attempt: Int
    public let at: Date
    public let milliseconds: Int
    public let result: Result

    public init(webhookId: String, event: EventID, attempt: Int, at: Date, milliseconds: Int, result: Result) {
        self.init(webhookId: webhookId, message: .event(event), attempt: attempt, at: at, milliseconds: milliseconds, result: result)
    }

    public init(webhookId: String, message event: MessageID, attempt: Int, at: Date, milliseconds: Int, result: Result) {
        self.webhookId = webhookId
        self.event = event
        self.attempt = attempt
        self.at = at.roundedToMilliseconds
        self.milliseconds = milliseconds
        self.result = result
    }

    public var succeeded: Bool {
        if case .status(let code) = result { return (200..<300).contains(code) }
        return false
    }
}

/// What becomes of a delivery after an attempt, decided by the sender's schedule.
public enum DeliveryVerdict: Sendable, Hashable {
    case delivered
    case retry(at: Date)
    /// The schedule ran out: the delivery stops and the endpoint is disabled.
    case gaveUp
    /// The endpoint answered 410 Gone: disabled at once.
    case gone
}

/// The webhook sender's queue: a row per event and endpoint, made by the commit that writes the
/// event (the outbox), for every endpoint of the event's bank that is not disabled.
public protocol DeliveryStore: Sendable {
    /// Leases up to `limit` deliveries that are due, in log order, skipping any whose consent has
    /// an earlier delivery to the same endpoint still open (so each consent's events arrive in
    /// order) and any another instance holds, and leaving an endpoint at most `perEndpoint` leases
    /// (counting those it already has), so one that hangs cannot take every slot of a sender.
    /// Instances claiming at the same moment count each other's leases only once committed, so
    /// together they can briefly hold a few more.
    func claimDeliveries(now: Date, leaseUntil: Date, limit: Int, perEndpoint: Int, lease: String) async throws -> [DeliveryJob]
    /// Records the attempt and applies the verdict, in one transaction: the endpoint's status
    /// follows (`failing` after `failingAfter` failures in a row, `disabled` on `gaveUp`/`gone`,
    /// `active` again on a success). The attempt is kept even when the lease was lost.
    func finishDelivery(_ job: DeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int) async throws
    /// The newest `limit` attempts for one of `bank`'s endpoints, newest first; nil when it has none with that id.
    func deliveryLog(webhook: String, of bank: OrgNumber, limit: Int) async throws -> [DeliveryAttempt]?
    /// Up to `limit` of one of `bank`'s endpoint's deliveries, newest event first (a test after the
    /// events committed before it was sent), those after the delivery `before` when given (none
    /// after one the endpoint does not have); nil when `bank` has no endpoint with that id.
    func deliveries(webhook: String, of bank: OrgNumber, before: MessageID?, limit: Int) async throws -> [DeliveryRecord]?
    /// Queues `event` for the endpoint again from its first attempt, and makes the endpoint
    /// `active`: an operator replaying says the endpoint is back. False when the endpoint is not
    /// `bank`'s or the event not of `bank`'s consents.
    func replayDelivery(event: EventID, webhook: String, of bank: OrgNumber, now: Date) async throws -> Bool
    /// Queues a test event for one of `bank`'s endpoints, due at `now` whatever the endpoint's
    /// status or event-type filter (the bank asked for it), sorted in its delivery log after the
    /// events committed so far; nil when `bank` has no endpoint with that id.
    func addTestEvent(webhook: String, of bank: OrgNumber, now: Date) async throws -> TestEvent?
    /// Leases up to `limit` due test deliveries, oldest first, skipping any another instance holds
    /// and those of an endpoint already holding `perEndpoint` leases (of either kind).
    func claimTestDeliveries(now: Date, leaseUntil: Date, limit: Int, perEndpoint: Int, lease: String) async throws -> [TestDeliveryJob]
    /// `finishDelivery` for a test: the attempt and the verdict recorded, the endpoint's status following.
    func finishTestDelivery(_ job: TestDeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int) async throws
    /// Deliveries still pending to endpoints that are not disabled (a disabled endpoint's wait for an
    /// operator's replay, not for the sender). Never writes.
    func deliveryBacklog() async throws -> DeliveryBacklog
}

/// One event's delivery to one endpoint, as the bank's delivery log (`GET /v1/webhooks/{id}/deliveries`)
/// shows it: where it stands and what its latest attempt saw.
public struct DeliveryRecord: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        case pending, delivered, failed
    }

    public let webhookId: String
    /// The event's id: its delivery's too, as the endpoint saw it in `webhook-id`.
    public let event: MessageID
    /// The event's `type`: its entry's, or `webhook.test`.
    public let eventType: String
    public let state: State
    /// Attempts since the delivery was queued (a redelivery starts again from none).
    public let attempts: Int
    /// The newest attempt in the endpoint's log for this event; nil before the first.
    public let lastAttempt: DeliveryAttempt?
    /// When the sender tries next; nil once the delivery is settled.
    public let nextAttemptAt: Date?

    public init(
        webhookId: String, event: MessageID, eventType: String, state: State, attempts: Int, lastAttempt: DeliveryAttempt?,
        nextAttemptAt: Date?
    ) {
        self.webhookId = webhookId
        self.event = event
        self.eventType = eventType
        self.state = state
        self.attempts = attempts
        self.lastAttempt = lastAttempt
        self.nextAttemptAt = state == .pending ? nextAttemptAt?.roundedToMilliseconds : nil
    }
}
