import Foundation
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: RetentionStore
extension PostgresStore {
    /// One transaction: the longest-ended consents are locked, skipping any another transaction holds
    /// (a commit acting on one, or another instance's sweep), and each leaves its remains behind.
    public func forgetEndedConsents(endedBefore: Date, limit: Int, at now: Date) async throws -> Int {
        try await transaction("forget ended consents") { connection in
            let ended = try await connection.query(
                """
                SELECT id FROM consent
                WHERE status IN \(unescaped: ForgottenConsent.terminalStatusesSQL) AND statusChangedAt < \(endedBefore)
                ORDER BY statusChangedAt, id LIMIT \(max(0, limit))
                FOR UPDATE SKIP LOCKED
                """,
                logger: logger
            ).collect()
            // Collected, then decoded (see `events(_:)`): the release compiler trips over iterating a decoding sequence.
            let ids = try ended.map { try $0.decode(String.self) }
            guard !ids.isEmpty else { return 0 }
            try await connection.query(
                """
                INSERT INTO forgottenConsent (id, bankOrg, status, createdAt, endedAt, forgottenAt)
                SELECT id, bankOrg, status, createdAt, statusChangedAt, \(now) FROM consent WHERE id = ANY(\(ids))
                """,
                logger: logger
            )
            // An event's log index is its entry's, so the log's own index by consent finds them.
            try await connection.query("DELETE FROM event WHERE logIdx IN (SELECT idx FROM entryParty WHERE consentId = ANY(\(ids)))", logger: logger)
            try await connection.query("DELETE FROM idempotencyKey WHERE resultKind = 'bundle' AND consentId = ANY(\(ids))", logger: logger)
            try await connection.query("DELETE FROM idempotencyKey WHERE resultKind = 'consent' AND consentId = ANY(\(ids))", logger: logger)
            try await connection.query("DELETE FROM consent WHERE id = ANY(\(ids))", logger: logger)
            return ids.count
        }
    }

    public func forgottenConsent(_ id: ConsentID, for viewer: Viewer) async throws -> ForgottenConsent? {
        try await mapErrors("read a forgotten consent") { try await forgotten(id, for: viewer) }
    }

    /// The bank sees its own; a citizen those whose log entries name them (the live row no longer does).
    func forgotten(_ id: ConsentID, for viewer: Viewer) async throws -> ForgottenConsent? {
        let columns = "id, bankOrg, status, createdAt, endedAt, forgottenAt"
        let rows = switch viewer {
        case .bank(let org):
            try await client.query(
                "SELECT \(unescaped: columns) FROM forgottenConsent WHERE id = \(id.description) AND bankOrg = \(org.digits)", logger: logger
            )
        case .citizen(let person):
            try await client.query(
                """
                SELECT \(unescaped: columns) FROM forgottenConsent f WHERE id = \(id.description)
                AND EXISTS (SELECT 1 FROM entryParty WHERE consentId = f.id AND personId = \(person.digits))
                """,
                logger: logger
            )
        }
        guard let row = try await rows.collect().first else { return nil }
        let (id, bank, status, createdAt, endedAt, forgottenAt) = try row.decode((String, String, String, Date, Date, Date).self)
        return try ForgottenConsent(id: id, bankOrg: bank, status: status, createdAt: createdAt, endedAt: endedAt, forgottenAt: forgottenAt)
    }
}
