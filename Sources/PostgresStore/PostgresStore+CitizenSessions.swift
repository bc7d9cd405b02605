import Foundation
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

extension PostgresStore {
    public func addCitizenSession(_ session: CitizenSession, now: Date) async throws {
        try await mapErrors("keep a citizen session") {
            try await client.query("DELETE FROM citizenSession WHERE expiresAt <= \(now)", logger: logger)
            try await client.query(
                """
                INSERT INTO citizenSession (idHash, personId, csrfToken, createdAt, expiresAt)
                VALUES (\(ByteBuffer(bytes: session.idHash)), \(session.person.digits), \(session.csrfToken), \(session.createdAt), \(session.expiresAt))
                """,
                logger: logger
            )
        }
    }

    public func citizenSession(idHash: [UInt8], now: Date) async throws -> CitizenSession? {
        try await mapErrors("read a citizen session") {
            let rows = try await client.query(
                "SELECT personId, csrfToken, createdAt, expiresAt FROM citizenSession WHERE idHash = \(ByteBuffer(bytes: idHash)) AND expiresAt > \(now)",
                logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (digits, csrf, createdAt, expiresAt) = try row.decode((String, String, Date, Date).self)
            guard let person = try? PersonID(digits) else { throw StoreFailure.corrupt("a citizen session names no national identity number") }
            return CitizenSession(
                idHash: idHash, person: person, csrfToken: csrf, createdAt: createdAt.roundedToMilliseconds, expiresAt: expiresAt.roundedToMilliseconds
            )
        }
    }

    public func endCitizenSession(idHash: [UInt8]) async throws -> Bool {
        try await mapErrors("end a citizen session") {
            try await !client.query("DELETE FROM citizenSession WHERE idHash = \(ByteBuffer(bytes: idHash)) RETURNING personId", logger: logger)
                .collect().isEmpty
        }
    }

    public func addPendingLogin(_ login: PendingLogin, now: Date) async throws {
        try await mapErrors("keep a login under way") {
            try await client.query("DELETE FROM pendingLogin WHERE expiresAt <= \(now)", logger: logger)
            try await client.query(
                """
                INSERT INTO pendingLogin (stateHash, nonce, codeVerifier, returnTo, expiresAt)
                VALUES (\(ByteBuffer(bytes: login.stateHash)), \(login.nonce), \(login.codeVerifier), \(login.returnTo), \(login.expiresAt))
                """,
                logger: logger
            )
        }
    }

    public func takePendingLogin(stateHash: [UInt8], now: Date) async throws -> PendingLogin? {
        try await mapErrors("take a login under way") {
            let rows = try await client.query(
                "DELETE FROM pendingLogin WHERE stateHash = \(ByteBuffer(bytes: stateHash)) RETURNING nonce, codeVerifier, returnTo, expiresAt",
                logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (nonce, verifier, returnTo, expiresAt) = try row.decode((String, String, String, Date).self)
            return expiresAt > now
                ? PendingLogin(stateHash: stateHash, nonce: nonce, codeVerifier: verifier, returnTo: returnTo, expiresAt: expiresAt.roundedToMilliseconds) : nil
        }
    }
}

extension PostgresStore {
    public func addRedirectURI(_ uri: RedirectURI, org: OrgNumber, now: Date) async throws -> Bool {
        try await transaction("register a redirect URI") { connection in
            let bank = try await connection.query("SELECT org FROM bank WHERE org = \(org.digits) FOR SHARE", logger: logger).collect()
            guard !bank.isEmpty else { throw StorageError.bankNotFound(org) }
            return try await !connection.query(
                """
                INSERT INTO bankRedirectURI (bankOrg, uri, createdAt) VALUES (\(org.digits), \(uri.text), \(now))
                ON CONFLICT (bankOrg, uri) DO NOTHING RETURNING uri
                """,
                logger: logger
            ).collect().isEmpty
        }
    }

    public func redirectURIs(of org: OrgNumber) async throws -> [RedirectURI] {
        try await mapErrors("list a bank's redirect URIs") {
            var uris: [RedirectURI] = []
            for try await text in try await client.query(
                "SELECT uri FROM bankRedirectURI WHERE bankOrg = \(org.digits) ORDER BY createdAt, uri", logger: logger
            ).decode(String.self) {
                guard let uri = try? RedirectURI(text) else { throw StoreFailure.corrupt("bank \(org) has a redirect URI that is not one") }
                uris.append(uri)
            }
            return uris
        }
    }

    public func removeRedirectURI(_ uri: RedirectURI, org: OrgNumber) async throws -> Bool {
        try await mapErrors("remove a redirect URI") {
            try await !client.query(
                "DELETE FROM bankRedirectURI WHERE bankOrg = \(org.digits) AND uri = \(uri.text) RETURNING uri", logger: logger
            ).collect().isEmpty
        }
    }
}
