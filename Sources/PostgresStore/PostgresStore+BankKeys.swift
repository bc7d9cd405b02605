import Foundation
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

extension PostgresStore {
    public func addBank(org: OrgNumber, name: String, publicKeys: [RegisteredKey], now: Date) async throws {
        let name = try PartyName.checked(name)
        try await transaction("register a bank with public keys") { connection in
            try await insertBank(connection, org: org, name: name, now: now)
            try await insertPublicKeys(connection, publicKeys, org: org)
        }
    }

    public func addPublicKeys(_ keys: [RegisteredKey], org: OrgNumber, now: Date) async throws {
        try await transaction("add a bank's public keys") { connection in
            // FOR SHARE, as for API keys: the bank stays while its keys are added.
            let bank = try await connection.query("SELECT org FROM bank WHERE org = \(org.digits) FOR SHARE", logger: logger).collect()
            guard !bank.isEmpty else { throw StorageError.bankNotFound(org) }
            try await insertPublicKeys(connection, keys, org: org)
        }
    }

    private func insertPublicKeys(_ connection: PostgresConnection, _ keys: [RegisteredKey], org: OrgNumber) async throws {
        for key in keys {
            let inserted = try await connection.query(
                """
                INSERT INTO bankPublicKey (bankOrg, kid, jwk, createdAt) VALUES (\(org.digits), \(key.kid), \(key.jwk), \(key.createdAt))
                ON CONFLICT (bankOrg, kid) DO NOTHING RETURNING kid
                """,
                logger: logger
            ).collect()
            guard !inserted.isEmpty else { throw StorageError.bankKeyExists(org, kid: key.kid) }
        }
    }

    public func publicKeys(of org: OrgNumber) async throws -> [RegisteredKey] {
        try await mapErrors("list a bank's public keys") {
            let rows = try await client.query(
                "SELECT kid, jwk, createdAt FROM bankPublicKey WHERE bankOrg = \(org.digits) ORDER BY createdAt, kid", logger: logger
            ).collect()
            return try rows.map { row in
                let (kid, jwk, createdAt) = try row.decode((String, String, Date).self)
                return RegisteredKey(kid: kid, jwk: jwk, createdAt: createdAt.roundedToMilliseconds)
            }
        }
    }

    public func publicKey(of org: OrgNumber, kid: String) async throws -> RegisteredKey? {
        try await mapErrors("read a bank's public key") {
            let rows = try await client.query(
                "SELECT kid, jwk, createdAt FROM bankPublicKey WHERE bankOrg = \(org.digits) AND kid = \(kid)", logger: logger
            ).collect()
            return try rows.first.map { row in
                let (kid, jwk, createdAt) = try row.decode((String, String, Date).self)
                return RegisteredKey(kid: kid, jwk: jwk, createdAt: createdAt.roundedToMilliseconds)
            }
        }
    }

    public func removePublicKey(of org: OrgNumber, kid: String) async throws -> Bool {
        try await mapErrors("remove a bank's public key") {
            let removed = try await client.query(
                "DELETE FROM bankPublicKey WHERE bankOrg = \(org.digits) AND kid = \(kid) RETURNING kid", logger: logger
            ).collect()
            return !removed.isEmpty
        }
    }
}

extension PostgresStore {
    public func useOnce(_ uses: [SingleUse], now: Date) async throws -> [Bool] {
        try await transaction("record single-use values") { connection in try await record(uses, now: now, on: connection) }
    }

    /// One insert for the lot; a use came first if its row is among those inserted and no earlier
    /// use in `uses` claimed the same value.
    func record(_ uses: [SingleUse], now: Date, on connection: PostgresConnection) async throws -> [Bool] {
        guard !uses.isEmpty else { return [] }
        try await connection.query("DELETE FROM usedOnce WHERE expiresAt <= \(now)", logger: logger)
        var inserted = Set<[String]>()
        for try await row in try await connection.execute(InsertUsesStatement(uses: uses), logger: logger) {
            inserted.insert([row.namespace, row.value])
        }
        return uses.map { inserted.remove([$0.namespace, $0.value]) != nil }
    }
}
