import Foundation
import PostgresNIO
import SamtykkeStore

/// Single-use values in one statement. Only the rows it inserted come back: a value another
/// transaction already holds, or an earlier row of the same statement, is skipped. An insert of a
/// value an open transaction holds waits for it, so the primary key decides between instances.
struct InsertUsesStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO usedOnce (namespace, value, expiresAt)
        SELECT namespace, value, expiresAt FROM UNNEST($1::text[], $2::text[], $3::timestamptz[]) AS used (namespace, value, expiresAt)
        ON CONFLICT DO NOTHING
        RETURNING namespace, value
        """
    typealias Row = (namespace: String, value: String)

    let uses: [SingleUse]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(uses.map(\.namespace))
        bindings.append(uses.map(\.value))
        bindings.append(uses.map(\.expiresAt))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode((String, String).self)
    }
}
