import Foundation
import NIOCore
import PostgresNIO
import SamtykkeStore

/// A batch's log entries in one statement. Rows go in index order: the next-index trigger checks
/// each against the ones before it.
struct InsertEntriesStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO auditEntry (idx, leaf, leafHash, type, time, consentId, personId, bankOrg)
        SELECT idx, leaf, leafHash, type, time, NULLIF(consentId, ''), NULLIF(personId, ''), NULLIF(bankOrg, '')
        FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])
            AS entry (idx, leaf, leafHash, type, time, consentId, personId, bankOrg)
        ORDER BY idx
        """
    typealias Row = ()

    let entries: [BatchPlan.LoggedEntry]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(entries.map { Int64($0.entry.index) })
        bindings.append(entries.map { ByteBuffer(bytes: $0.leaf) })
        bindings.append(entries.map { ByteBuffer(bytes: $0.leafHash.bytes) })
        bindings.append(entries.map { $0.entry.type.rawValue })
        bindings.append(entries.map { $0.entry.time })
        // A v2 entry's row names nobody (empty here, NULL in the table); its opening does.
        bindings.append(entries.map { $0.opening == nil ? $0.entry.consentId.description : "" })
        bindings.append(entries.map { $0.opening == nil ? $0.entry.personId.digits : "" })
        bindings.append(entries.map { $0.opening == nil ? $0.entry.bankOrg.digits : "" })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}
