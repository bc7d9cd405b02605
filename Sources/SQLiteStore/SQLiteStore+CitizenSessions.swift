import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: CitizenSessionStore {
    public func addCitizenSession(_ session: CitizenSession, now: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM citizenSession WHERE expiresAt <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO citizenSession (idHash, personId, csrfToken, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(session.idHash), session.person.digits, session.csrfToken, session.createdAt, session.expiresAt]
            )
        }
    }

    public func citizenSession(idHash: [UInt8], now: Date) async throws -> CitizenSession? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT personId, csrfToken, createdAt, expiresAt FROM citizenSession WHERE idHash = ? AND expiresAt > ?",
                arguments: [Data(idHash), now]
            ) else { return nil }
            return CitizenSession(
                idHash: idHash, person: try Self.person(row["personId"]), csrfToken: row["csrfToken"], createdAt: row["createdAt"], expiresAt: row["expiresAt"]
            )
        }
    }

    public func endCitizenSession(idHash: [UInt8]) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM citizenSession WHERE idHash = ?", arguments: [Data(idHash)])
            return db.changesCount == 1
        }
    }

    public func addPendingLogin(_ login: PendingLogin, now: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM pendingLogin WHERE expiresAt <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO pendingLogin (stateHash, nonce, codeVerifier, returnTo, expiresAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(login.stateHash), login.nonce, login.codeVerifier, login.returnTo, login.expiresAt]
            )
        }
    }

    public func takePendingLogin(stateHash: [UInt8], now: Date) async throws -> PendingLogin? {
        try await writer.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "DELETE FROM pendingLogin WHERE stateHash = ? RETURNING nonce, codeVerifier, returnTo, expiresAt", arguments: [Data(stateHash)]
            ) else { return nil }
            let login = PendingLogin(stateHash: stateHash, nonce: row["nonce"], codeVerifier: row["codeVerifier"], returnTo: row["returnTo"], expiresAt: row["expiresAt"])
            return login.expiresAt > now ? login : nil
        }
    }

    private static func person(_ digits: String) throws -> PersonID {
        do {
            return try PersonID(digits)
        } catch {
            throw StoreFailure.corrupt("a citizen session names \(digits.count) characters that are no national identity number")
        }
    }
}

extension SQLiteStore: RedirectURIStore {
    public func addRedirectURI(_ uri: RedirectURI, org: OrgNumber, now: Date) async throws -> Bool {
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [org.digits])! else {
                throw StorageError.bankNotFound(org)
            }
            try db.execute(sql: "INSERT OR IGNORE INTO bankRedirectURI (bankOrg, uri, createdAt) VALUES (?, ?, ?)", arguments: [org.digits, uri.text, now])
            return db.changesCount == 1
        }
    }

    public func redirectURIs(of org: OrgNumber) async throws -> [RedirectURI] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT uri FROM bankRedirectURI WHERE bankOrg = ? ORDER BY createdAt, uri", arguments: [org.digits]).map { text in
                do { return try RedirectURI(text) } catch { throw StoreFailure.corrupt("bank \(org) has a redirect URI that is not one: \(error)") }
            }
        }
    }

    public func removeRedirectURI(_ uri: RedirectURI, org: OrgNumber) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM bankRedirectURI WHERE bankOrg = ? AND uri = ?", arguments: [org.digits, uri.text])
            return db.changesCount == 1
        }
    }
}
