import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: PartyStore
extension PostgresStore {
    public func addBank(org: OrgNumber, name: String, now: Date) async throws -> APIKey {
        let name = try PartyName.checked(name)
        return try await transaction("register a bank") { connection in
            try await insertBank(connection, org: org, name: name, now: now)
            return try await insertKey(connection, role: .bank, bankOrg: org.digits, auditorName: nil, now: now)
        }
    }

    func insertBank(_ connection: PostgresConnection, org: OrgNumber, name: String, now: Date) async throws {
        let inserted = try await connection.query(
            "INSERT INTO bank (org, name, createdAt) VALUES (\(org.digits), \(name), \(now)) ON CONFLICT (org) DO NOTHING RETURNING org",
            logger: logger
        ).collect()
        guard !inserted.isEmpty else { throw StorageError.bankExists(org) }
    }

    public func addBankKey(org: OrgNumber, now: Date) async throws -> APIKey {
        try await transaction("issue a bank key") { connection in
            // FOR SHARE: the bank cannot go away under the new key (banks are never deleted, but the
            // foreign key would otherwise be the only thing saying so).
            let bank = try await connection.query("SELECT org FROM bank WHERE org = \(org.digits) FOR SHARE", logger: logger).collect()
            guard !bank.isEmpty else { throw StorageError.bankNotFound(org) }
            return try await insertKey(connection, role: .bank, bankOrg: org.digits, auditorName: nil, now: now)
        }
    }

    public func revokeKey(id: String, role: APIKey.Role, now: Date) async throws -> Bool {
        try await mapErrors("revoke a key") {
            let revoked = try await client.query(
                "UPDATE apiKey SET revokedAt = \(now) WHERE id = \(id) AND role = \(role.rawValue) AND revokedAt IS NULL RETURNING id", logger: logger
            ).collect()
            return !revoked.isEmpty
        }
    }

    public func bankKeys(org: OrgNumber) async throws -> [KeyListing] {
        try await mapErrors("list a bank's keys") {
            let rows = try await client.query(
                "SELECT id, createdAt FROM apiKey WHERE bankOrg = \(org.digits) AND revokedAt IS NULL ORDER BY createdAt, id", logger: logger
            ).collect()
            // Collected, then decoded (see `events(_:)`).
            return try rows.map { row in
                let (id, createdAt) = try row.decode((String, Date).self)
                return KeyListing(id: id, createdAt: createdAt.roundedToMilliseconds)
            }
        }
    }

    public func addAuditor(name: String, now: Date) async throws -> APIKey {
        let name = try PartyName.checked(name)
        return try await transaction("register an auditor") { connection in
            let inserted = try await connection.query(
                "INSERT INTO auditor (name, createdAt) VALUES (\(name), \(now)) ON CONFLICT (name) DO NOTHING RETURNING name", logger: logger
            ).collect()
            guard !inserted.isEmpty else { throw StorageError.auditorExists(name) }
            return try await insertKey(connection, role: .auditor, bankOrg: nil, auditorName: name, now: now)
        }
    }

    public func auditorKeys() async throws -> [AuditorKeyListing] {
        try await mapErrors("list auditors") {
            let rows = try await client.query(
                "SELECT auditorName, id, createdAt, revokedAt FROM apiKey WHERE role = \(APIKey.Role.auditor.rawValue) ORDER BY createdAt, id",
                logger: logger
            ).collect()
            // Collected, then decoded (see `events(_:)`).
            return try rows.map { row in
                let (auditor, id, createdAt, revokedAt) = try row.decode((String, String, Date, Date?).self)
                return AuditorKeyListing(auditor: auditor, id: id, createdAt: createdAt.roundedToMilliseconds, revokedAt: revokedAt?.roundedToMilliseconds)
            }
        }
    }

    public func liveKey(id: String) async throws -> StoredAPIKey? {
        try await mapErrors("authenticate a key") {
            try await client.execute(AuthenticateStatement(keyID: id), logger: logger).onlyRow().map { row in
                StoredAPIKey(role: row.role, bankOrg: row.bankOrg, auditorName: row.auditorName, secretHash: Array(row.secretHash.readableBytesView))
            }
        }
    }

    public func bankNames() async throws -> [OrgNumber: String] {
        try await mapErrors("list banks") {
            var names: [OrgNumber: String] = [:]
            // Collected, then decoded (see `events(_:)`).
            for row in try await client.query("SELECT org, name FROM bank", logger: logger).collect() {
                let (org, name) = try row.decode((String, String).self)
                if let org = try? OrgNumber(org) { names[org] = name }
            }
            return names
        }
    }

    /// Issues a key; only its secret's SHA-256 is stored, so the key can be shown once and never again.
    private func insertKey(_ connection: PostgresConnection, role: APIKey.Role, bankOrg: String?, auditorName: String?, now: Date) async throws -> APIKey {
        let key = APIKey.generate(role: role)
        try await connection.query(
            """
            INSERT INTO apiKey (id, role, bankOrg, auditorName, secretHash, createdAt)
            VALUES (\(key.keyID), \(role.rawValue), \(bankOrg), \(auditorName), \(ByteBuffer(bytes: key.secretHash)), \(now))
            """,
            logger: logger
        )
        return key
    }
}
