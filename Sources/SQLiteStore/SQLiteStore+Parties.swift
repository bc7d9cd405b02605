import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: PartyStore {
    public func addBank(org: OrgNumber, name: String, now: Date) async throws -> APIKey {
        let name = try PartyName.checked(name)
        return try await writer.write { db in
            try Self.insertBank(db, org: org, name: name, now: now)
            return try Self.insertKey(db, role: .bank, bankOrg: org.digits, auditorName: nil, now: now)
        }
    }

    static func insertBank(_ db: Database, org: OrgNumber, name: String, now: Date) throws {
        guard try !Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [org.digits])! else {
            throw StorageError.bankExists(org)
        }
        try db.execute(sql: "INSERT INTO bank (org, name, createdAt) VALUES (?, ?, ?)", arguments: [org.digits, name, now])
    }

    public func addBankKey(org: OrgNumber, now: Date) async throws -> APIKey {
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [org.digits])! else {
                throw StorageError.bankNotFound(org)
            }
            return try Self.insertKey(db, role: .bank, bankOrg: org.digits, auditorName: nil, now: now)
        }
    }

    public func revokeKey(id: String, role: APIKey.Role, now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "UPDATE apiKey SET revokedAt = ? WHERE id = ? AND role = ? AND revokedAt IS NULL", arguments: [now, id, role.rawValue])
            return db.changesCount == 1
        }
    }

    public func bankKeys(org: OrgNumber) async throws -> [KeyListing] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, createdAt FROM apiKey WHERE bankOrg = ? AND revokedAt IS NULL ORDER BY createdAt",
                arguments: [org.digits]
            ).map { KeyListing(id: $0["id"], createdAt: $0["createdAt"]) }
        }
    }

    public func addAuditor(name: String, now: Date) async throws -> APIKey {
        let name = try PartyName.checked(name)
        return try await writer.write { db in
            guard try !Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM auditor WHERE name = ?)", arguments: [name])! else {
                throw StorageError.auditorExists(name)
            }
            try db.execute(sql: "INSERT INTO auditor (name, createdAt) VALUES (?, ?)", arguments: [name, now])
            return try Self.insertKey(db, role: .auditor, bankOrg: nil, auditorName: name, now: now)
        }
    }

    public func auditorKeys() async throws -> [AuditorKeyListing] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT auditorName, id, createdAt, revokedAt FROM apiKey WHERE role = ? ORDER BY createdAt, id",
                arguments: [APIKey.Role.auditor.rawValue]
            ).map { AuditorKeyListing(auditor: $0["auditorName"], id: $0["id"], createdAt: $0["createdAt"], revokedAt: $0["revokedAt"]) }
        }
    }

    private static func insertKey(_ db: Database, role: APIKey.Role, bankOrg: String?, auditorName: String?, now: Date) throws -> APIKey {
        let key = APIKey.generate(role: role)
        try db.execute(
            sql: "INSERT INTO apiKey (id, role, bankOrg, auditorName, secretHash, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [key.keyID, role.rawValue, bankOrg, auditorName, Data(key.secretHash), now]
        )
        return key
    }

    public func liveKey(id: String) async throws -> StoredAPIKey? {
        try await writer.read { db in
            // Every authenticated request asks this: compiled once per connection.
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT role, bankOrg, auditorName, secretHash FROM apiKey WHERE id = ? AND revokedAt IS NULL"),
                arguments: [id]
            ).map { StoredAPIKey(role: $0["role"], bankOrg: $0["bankOrg"], auditorName: $0["auditorName"], secretHash: Array($0["secretHash"] as Data)) }
        }
    }

    public func bankNames() async throws -> [OrgNumber: String] {
        try await writer.read { db in
            var names: [OrgNumber: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT org, name FROM bank") {
                if let org = try? OrgNumber(row["org"] as String) { names[org] = row["name"] }
            }
            return names
        }
    }
}
