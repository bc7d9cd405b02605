import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: BankKeyStore {
    public func addBank(org: OrgNumber, name: String, publicKeys: [RegisteredKey], now: Date) async throws {
        let name = try PartyName.checked(name)
        try await writer.write { db in
            try Self.insertBank(db, org: org, name: name, now: now)
            try Self.insertPublicKeys(db, publicKeys, org: org)
        }
    }

    public func addPublicKeys(_ keys: [RegisteredKey], org: OrgNumber, now: Date) async throws {
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [org.digits])! else {
                throw StorageError.bankNotFound(org)
            }
            try Self.insertPublicKeys(db, keys, org: org)
        }
    }

    private static func insertPublicKeys(_ db: Database, _ keys: [RegisteredKey], org: OrgNumber) throws {
        for key in keys {
            try db.execute(sql: "INSERT OR IGNORE INTO bankPublicKey (bankOrg, kid, jwk, createdAt) VALUES (?, ?, ?, ?)", arguments: [org.digits, key.kid, key.jwk, key.createdAt])
            guard db.changesCount == 1 else { throw StorageError.bankKeyExists(org, kid: key.kid) }
        }
    }

    public func publicKeys(of org: OrgNumber) async throws -> [RegisteredKey] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kid, jwk, createdAt FROM bankPublicKey WHERE bankOrg = ? ORDER BY createdAt, kid", arguments: [org.digits])
                .map { RegisteredKey(kid: $0["kid"], jwk: $0["jwk"], createdAt: $0["createdAt"]) }
        }
    }

    public func publicKey(of org: OrgNumber, kid: String) async throws -> RegisteredKey? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT kid, jwk, createdAt FROM bankPublicKey WHERE bankOrg = ? AND kid = ?", arguments: [org.digits, kid])
                .map { RegisteredKey(kid: $0["kid"], jwk: $0["jwk"], createdAt: $0["createdAt"]) }
        }
    }

    public func removePublicKey(of org: OrgNumber, kid: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM bankPublicKey WHERE bankOrg = ? AND kid = ?", arguments: [org.digits, kid])
            return db.changesCount == 1
        }
    }
}

extension SQLiteStore: ReplayStore {
    public func useOnce(_ uses: [SingleUse], now: Date) async throws -> [Bool] {
        try await writer.write { db in try Self.record(db, uses, now: now) }
    }

    /// Each its own `INSERT OR IGNORE`, so each learns whether it came first, a repeat in `uses` included.
    static func record(_ db: Database, _ uses: [SingleUse], now: Date) throws -> [Bool] {
        guard !uses.isEmpty else { return [] }
        try db.cachedStatement(sql: "DELETE FROM usedOnce WHERE expiresAt <= ?").execute(arguments: [now])
        // Compiled once per connection, not once per call: every DPoP call comes here.
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO usedOnce (namespace, value, expiresAt) VALUES (?, ?, ?)")
        return try uses.map { use in
            try insert.execute(arguments: [use.namespace, use.value, use.expiresAt])
            return db.changesCount == 1
        }
    }
}
