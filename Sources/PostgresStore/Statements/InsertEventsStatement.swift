import Foundation
import PostgresNIO
import SamtykkeStore

/// A batch's outbox rows in one statement, beside the entries they announce.
struct InsertEventsStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO event (logIdx, id, type, time, bankOrg, consentId, status)
        SELECT logIdx, id, type, time, bankOrg, consentId, status
        FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])
            AS event (logIdx, id, type, time, bankOrg, consentId, status)
        """
    typealias Row = ()

    let events: [OutboxEvent]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(events.map { Int64($0.logIndex) })
        bindings.append(events.map(\.id.description))
        bindings.append(events.map(\.type.rawValue))
        bindings.append(events.map(\.timestamp))
        bindings.append(events.map(\.bankOrg.digits))
        bindings.append(events.map(\.consentId.description))
        bindings.append(events.map(\.status.rawValue))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}
