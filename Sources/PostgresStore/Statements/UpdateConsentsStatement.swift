import Foundation
import PostgresNIO
import SamtykkeCore

/// The new state of a batch's changed consents in one statement: only what a transition or a use can
/// change (the terms never do).
struct UpdateConsentsStatement: PostgresPreparedStatement {
    static let sql = """
        UPDATE consent c SET
            uses = row.uses, status = row.status, grantedAt = CASE WHEN row.granted THEN row.grantedAt END,
            statusChangedAt = row.statusChangedAt
        FROM UNNEST($1::text[], $2::integer[], $3::text[], $4::timestamptz[], $5::boolean[], $6::timestamptz[])
            AS row (id, uses, status, grantedAt, granted, statusChangedAt)
        WHERE c.id = row.id
        """
    typealias Row = ()

    let consents: [Consent]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(consents.map(\.id.description))
        bindings.appendChangingColumns(of: consents)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}
