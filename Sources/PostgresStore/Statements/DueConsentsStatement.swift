import Foundation
import PostgresNIO

/// Open consents whose deadline passed, the longest overdue first, locked for the sweep. Rows another
/// instance's transaction holds are skipped: that transaction is settling or changing them already.
struct DueConsentsStatement: ConsentRowsStatement {
    static let sql = """
        SELECT \(ConsentRow.columns) FROM consent
        WHERE (status = 'pending' AND requestExpiresAt <= $1) OR (status = 'active' AND validUntil <= $1)
        ORDER BY CASE WHEN status = 'pending' THEN requestExpiresAt ELSE validUntil END, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
        """

    let now: Date
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(now)
        bindings.append(limit)
        return bindings
    }
}
