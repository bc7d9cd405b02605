import SamtykkeCore
import SamtykkeStore

/// An event as banks receive it, in the feed and in webhook bodies (SPEC §2a).
package struct EventView: Encodable {
    struct Data: Encodable {
        let consentId: String
        let status: ConsentStatus
        let logIndex: UInt64
        /// The bank's reference for the consent, when it gave one.
        let externalReference: String?
    }

    let id: String
    let type: String
    let timestamp: String
    let data: Data

    package init(_ event: OutboxEvent) {
        id = event.id.description
        type = event.type.rawValue
        timestamp = RFC3339.string(from: event.timestamp)
        data = Data(consentId: event.consentId.description, status: event.status, logIndex: event.logIndex, externalReference: event.externalReference?.text)
    }
}

/// A test event as its endpoint receives it: the shape of every event, with `data` naming the
/// endpoint it was sent to, so a handler that reads `type` first can ignore it.
package struct TestEventView: Encodable {
    struct Data: Encodable {
        let webhookId: String
    }

    let id: String
    let type: String
    let timestamp: String
    let data: Data

    package init(_ event: TestEvent) {
        id = event.id.description
        type = TestEvent.type
        timestamp = RFC3339.string(from: event.timestamp)
        data = Data(webhookId: event.webhookId)
    }
}

/// A page of the feed and the `after` of the next one: null when nothing more is there yet.
struct EventList: Encodable {
    let events: [EventView]
    let next: String?

    enum CodingKeys: String, CodingKey {
        case events, next
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(events, forKey: .events)
        // Always present, as on the consent pages: a client tests `next == null`.
        try container.encode(next, forKey: .next)
    }
}
