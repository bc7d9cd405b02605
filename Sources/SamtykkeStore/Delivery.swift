import Foundation
import SamtykkeCore

/// One event on its way to one endpoint, held under a lease by the instance that claimed it: no
/// other instance claims it before the lease runs out, and a broker killed mid-delivery leaves it
/// to whichever instance claims it next, with the same event id.
public struct DeliveryJob: Sendable, Hashable {
    public let webhook: Webhook
    public let event: OutboxEvent
    /// 1 for the first attempt.
    public let attempt: Int
    /// Which claim this is: finishing a job whose lease another instance has since taken changes nothing.
    public let lease: String

    public init(webhook: Webhook, event: OutboxEvent, attempt: Int, lease: String) {
        self.webhook = webhook
        self.event = event
        self.attempt = attempt
        self.lease = lease
    }
}

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
    public let event: EventID
    public let attempt: Int
    public let at: Date
    public let milliseconds: Int
    public let result: Result

    public init(webhookId: String, event: EventID, attempt: Int, at: Date, milliseconds: Int, result: Result) {
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
    /// Up to `limit` of one of `bank`'s endpoint's deliveries, newest event first, those older than
    /// `before` when given; nil when `bank` has no endpoint with that id.
    func deliveries(webhook: String, of bank: OrgNumber, before: EventID?, limit: Int) async throws -> [DeliveryRecord]?
    /// Queues `event` for the endpoint again from its first attempt, and makes the endpoint
    /// `active`: an operator replaying says the endpoint is back. False when the endpoint is not
    /// `bank`'s or the event not of `bank`'s consents.
    func replayDelivery(event: EventID, webhook: String, of bank: OrgNumber, now: Date) async throws -> Bool
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
    public let event: EventID
    public let eventType: AuditEntry.EntryType
    public let state: State
    /// Attempts since the delivery was queued (a redelivery starts again from none).
    public let attempts: Int
    /// The newest attempt in the endpoint's log for this event; nil before the first.
    public let lastAttempt: DeliveryAttempt?
    /// When the sender tries next; nil once the delivery is settled.
    public let nextAttemptAt: Date?

    public init(
        webhookId: String, event: EventID, eventType: AuditEntry.EntryType, state: State, attempts: Int, lastAttempt: DeliveryAttempt?,
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
