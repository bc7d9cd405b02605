import Foundation

/// A test event's id, `evt_test_N`: never an `EventID`, so a test is never taken for a change of a
/// consent (it is on no log and in no events feed).
public struct TestEventID: Sendable, Hashable, CustomStringConvertible {
    public let number: UInt64

    public init(number: UInt64) {
        self.number = number
    }

    static let prefix = "evt_test_"

    /// Reads `evt_test_N`; nil for anything else (leading zeros, signs, a number beyond what a database keeps).
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix), let number = EventID(text.replacingOccurrences(of: Self.prefix, with: "evt_"))?.logIndex else { return nil }
        self.number = number
    }

    public var description: String { Self.prefix + String(number) }
}

/// A signed `webhook.test` event a bank asked for (`POST /v1/webhooks/{id}/test`), queued for that
/// one endpoint and delivered as its other events are.
public struct TestEvent: Sendable, Hashable {
    /// Its `type`, beside the entry types an event of a consent has.
    public static let type = "webhook.test"

    public let id: TestEventID
    public let webhookId: String
    public let timestamp: Date

    public init(id: TestEventID, webhookId: String, timestamp: Date) {
        self.id = id
        self.webhookId = webhookId
        self.timestamp = timestamp.roundedToMilliseconds
    }
}

/// What a delivery carries, as its `webhook-id` names it: an event of the bank's consents or a test.
public enum MessageID: Sendable, Hashable, CustomStringConvertible {
    case event(EventID)
    case test(TestEventID)

    public init?(_ text: String) {
        if let event = EventID(text) {
            self = .event(event)
        } else if let test = TestEventID(text) {
            self = .test(test)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .event(let id): id.description
        case .test(let id): id.description
        }
    }
}
