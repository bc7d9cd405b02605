import PostgresNIO
import SamtykkeStore

/// A prepared statement whose rows are consents (`ConsentRow.columns`).
protocol ConsentRowsStatement: PostgresPreparedStatement where Row == StoredConsent {}

extension ConsentRowsStatement {
    func decodeRow(_ row: PostgresRow) throws -> StoredConsent {
        try ConsentRow.decode(row)
    }
}
