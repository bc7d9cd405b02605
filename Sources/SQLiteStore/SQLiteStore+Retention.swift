import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: RetentionStore {
    /// The sweep's question, oldest ended first through `consent_ended`: left to itself SQLite picks
    /// the status index and sorts every ended consent on each sweep. Its status test is written
    /// exactly as the index's WHERE (since v8), which SQLite requires to use a partial index.
    static let endedBeforeSQL = """
        SELECT * FROM consent INDEXED BY consent_ended WHERE \(Migrations.orChains("status IN " + ForgottenConsent.terminalStatusesSQL)) AND statusChangedAt < ?
        ORDER BY statusChangedAt, id LIMIT ?
        """

    /// Consents a retention sweep may forget, inside the commit's transaction.
    static func ended(_ db: Database, before: Date, limit: Int) throws -> [Consent] {
        guard limit > 0 else { return [] }
        return try ConsentRecord.fetchAll(db.cachedStatement(sql: endedBeforeSQL), arguments: [before, limit]).map { try $0.consent() }
    }

    /// Writes what `BatchPlan.forgotten` says, after the batch's entries and openings: each consent
    /// leaves its remains and nothing else that names it or its person; a person left with no
    /// consent and no opening loses their subject key. `secure_delete` (set on every connection)
    /// overwrites what is deleted, and the store checkpoints the WAL after the commit
    /// (`shredWriteAheadLog`), so no copy of the rows stays in the files.
    static func forget(_ db: Database, _ consents: [Consent], at now: Date) throws {
        guard !consents.isEmpty else { return }
        let keep = try db.cachedStatement(sql: """
            INSERT INTO forgottenConsent (id, bankOrg, status, createdAt, endedAt, forgottenAt)
            SELECT id, bankOrg, status, createdAt, statusChangedAt, ? FROM consent WHERE id = ?
            """)
        // Each child found by its parent's key: an event's log index is its entry's, so the log's own
        // index by consent finds them (while the openings are still there); deliveries cascade.
        let deletions = try [
            "DELETE FROM event WHERE logIdx IN (SELECT idx FROM entryParty WHERE consentId = ?)",
            "DELETE FROM idempotencyKey WHERE consentId = ? AND resultKind = 'bundle'",
            "DELETE FROM idempotencyKey WHERE consentId = ? AND resultKind = 'consent'",
            "DELETE FROM entryOpening WHERE consentId = ?",
            "DELETE FROM consentTag WHERE consentId = ?",
            "DELETE FROM consent WHERE id = ?",
        ].map { try db.cachedStatement(sql: $0) }
        for consent in consents {
            try keep.execute(arguments: [now, consent.id.description])
            for statement in deletions { try statement.execute(arguments: [consent.id.description]) }
        }
        let key = try db.cachedStatement(sql: """
            DELETE FROM subjectKey WHERE personId = ?1
            AND NOT EXISTS (SELECT 1 FROM consent WHERE personId = ?1) AND NOT EXISTS (SELECT 1 FROM entryOpening WHERE personId = ?1)
            """)
        // Their sessions that ended hold their number too; one still open ends within half an hour.
        let sessions = try db.cachedStatement(sql: "DELETE FROM citizenSession WHERE personId = ? AND expiresAt <= ?")
        for person in Set(consents.map(\.terms.personId.digits)) {
            try key.execute(arguments: [person])
            try sessions.execute(arguments: [person, now])
        }
    }

    public func forgottenConsent(_ id: ConsentID, for viewer: Viewer) async throws -> ForgottenConsent? {
        try await writer.read { db in try Self.forgotten(db, id, for: viewer) }
    }

    /// The bank sees its own; a citizen those whose log entries still name them: a v1 consent's
    /// entries do, a v2 consent's openings are shredded, so its citizen is no longer known.
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
