import SamtykkeCore
import SamtykkeStore

/// An event as banks receive it, in the feed and in webhook bodies (SPEC §2a).
struct EventView: Encodable {
    struct Data: Encodable {
        let consentId: String
        let status: ConsentStatus
        let logIndex: UInt64
    }

    let id: String
    let type: String
    let timestamp: String
    let data: Data

    init(_ event: OutboxEvent) {
        id = event.id.description
        type = event.type.rawValue
        timestamp = RFC3339.string(from: event.timestamp)
        data = Data(consentId: event.consentId.description, status: event.status, logIndex: event.logIndex)
    }
}

struct EventList: Encodable {
    let events: [EventView]
}
