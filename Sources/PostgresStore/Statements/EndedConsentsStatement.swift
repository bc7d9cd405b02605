import Foundation
import PostgresNIO
import SamtykkeStore

/// Consents a retention sweep may forget, longest ended first, locked for it. Rows another
/// transaction holds (a commit acting on one, or another instance's sweep) are skipped.
struct EndedConsentsStatement: ConsentRowsStatement {
    static let sql = """
        SELECT \(ConsentRow.columns) FROM consent
        WHERE status IN \(ForgottenConsent.terminalStatusesSQL) AND statusChangedAt < $1
        ORDER BY statusChangedAt, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
        """

    let endedBefore: Date
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(endedBefore)
        bindings.append(limit)
        return bindings
    }
}
