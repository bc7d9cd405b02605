import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: RetentionStore {
    /// The sweep's question, oldest ended first through `consent_ended`: left to itself SQLite picks
    /// the status index and sorts every ended consent on each sweep. Its status test is written
    /// exactly as the index's WHERE (since v8), which SQLite requires to use a partial index.
    static let endedBeforeSQL = """
        SELECT id FROM consent INDEXED BY consent_ended WHERE \(Migrations.orChains("status IN " + ForgottenConsent.terminalStatusesSQL)) AND statusChangedAt < ?
        ORDER BY statusChangedAt, id LIMIT ?
        """

    public func forgetEndedConsents(endedBefore: Date, limit: Int, at now: Date) async throws -> Int {
        try await writer.write { db in
            let ids = try String.fetchAll(db.cachedStatement(sql: Self.endedBeforeSQL), arguments: [endedBefore, max(0, limit)])
            let keep = try db.cachedStatement(sql: """
                INSERT INTO forgottenConsent (id, bankOrg, status, createdAt, endedAt, forgottenAt)
                SELECT id, bankOrg, status, createdAt, statusChangedAt, ? FROM consent WHERE id = ?
                """)
            // An event's log index is its entry's, so the log's own index by consent finds them.
            let events = try db.cachedStatement(sql: "DELETE FROM event WHERE logIdx IN (SELECT idx FROM entryParty WHERE consentId = ?)")
            let bundleRecords = try db.cachedStatement(sql: "DELETE FROM idempotencyKey WHERE consentId = ? AND resultKind = 'bundle'")
            let consentRecords = try db.cachedStatement(sql: "DELETE FROM idempotencyKey WHERE consentId = ? AND resultKind = 'consent'")
            let row = try db.cachedStatement(sql: "DELETE FROM consent WHERE id = ?")
            for id in ids {
                try keep.execute(arguments: [now, id])
                try events.execute(arguments: [id])
                try bundleRecords.execute(arguments: [id])
                try consentRecords.execute(arguments: [id])
                try row.execute(arguments: [id])
            }
            return ids.count
        }
    }

    public func forgottenConsent(_ id: ConsentID, for viewer: Viewer) async throws -> ForgottenConsent? {
        try await writer.read { db in try Self.forgotten(db, id, for: viewer) }
    }

    /// The bank sees its own; a citizen those whose log entries name them (the live row no longer does).
    static func forgotten(_ db: Database, _ id: ConsentID, for viewer: Viewer) throws -> ForgottenConsent? {
        guard let row = try Row.fetchOne(
            db,
            sql: "SELECT id, bankOrg, status, createdAt, endedAt, forgottenAt FROM forgottenConsent WHERE id = ?",
            arguments: [id.description]
        ) else { return nil }
        let forgotten = try ForgottenConsent(
            id: row["id"] as String, bankOrg: row["bankOrg"] as String, status: row["status"] as String,
            createdAt: row["createdAt"] as Date, endedAt: row["endedAt"] as Date, forgottenAt: row["forgottenAt"] as Date
        )
        switch viewer {
        case .bank(let org):
            return forgotten.bankOrg == org ? forgotten : nil
        case .citizen(let person):
            let named = try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM entryParty WHERE consentId = ? AND personId = ?)", arguments: [id.description, person.digits]
            ) ?? false
            return named ? forgotten : nil
        }
    }
}
