import Foundation
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: RetentionStore
extension PostgresStore {
    /// Writes what `BatchPlan.forgotten` says, after the batch's entries and openings: each consent
    /// leaves its remains and nothing else that names it or its person; a person left with no
    /// consent and no opening loses their subject key. The deleted rows are dead tuples until
    /// VACUUM (README, "Retention"); no live row names them after this commit.
    func forget(_ consents: [Consent], at now: Date, on connection: PostgresConnection) async throws {
        guard !consents.isEmpty else { return }
        let ids = consents.map(\.id.description)
        try await connection.query(
            """
            INSERT INTO forgottenConsent (id, bankOrg, status, createdAt, endedAt, forgottenAt)
            SELECT id, bankOrg, status, createdAt, statusChangedAt, \(now) FROM consent WHERE id = ANY(\(ids))
            """,
            logger: logger
        )
        // An event's log index is its entry's, so the log's own index by consent finds them (while
        // the openings are still there); deliveries and their attempts cascade.
        try await connection.query("DELETE FROM event WHERE logIdx IN (SELECT idx FROM entryParty WHERE consentId = ANY(\(ids)))", logger: logger)
        try await connection.query("DELETE FROM idempotencyKey WHERE resultKind = 'bundle' AND consentId = ANY(\(ids))", logger: logger)
        try await connection.query("DELETE FROM idempotencyKey WHERE resultKind = 'consent' AND consentId = ANY(\(ids))", logger: logger)
        try await connection.query("DELETE FROM entryOpening WHERE consentId = ANY(\(ids))", logger: logger)
        try await connection.query("DELETE FROM consentTag WHERE consentId = ANY(\(ids))", logger: logger)
        try await connection.query("DELETE FROM consent WHERE id = ANY(\(ids))", logger: logger)
        let people = Array(Set(consents.map(\.terms.personId.digits)))
        try await connection.query(
            """
            DELETE FROM subjectKey k WHERE personId = ANY(\(people))
            AND NOT EXISTS (SELECT 1 FROM consent WHERE personId = k.personId) AND NOT EXISTS (SELECT 1 FROM entryOpening WHERE personId = k.personId)
            """,
            logger: logger
        )
        // Their sessions that ended hold their number too; one still open ends within half an hour.
        try await connection.query("DELETE FROM citizenSession WHERE personId = ANY(\(people)) AND expiresAt <= \(now)", logger: logger)
    }

    public func forgottenConsent(_ id: ConsentID, for viewer: Viewer) async throws -> ForgottenConsent? {
        try await mapErrors("read a forgotten consent") { try await forgotten(id, for: viewer) }
    }

    /// The bank sees its own; a citizen those whose log entries still name them: a v1 consent's
    /// entries do, a v2 consent's openings are shredded, so its citizen is no longer known.
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
