import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: IdempotencyStore {
    public func claim(_ key: IdempotencyKey, now: Date) async throws -> IdempotencyOutcome {
        try await writer.write { db in
            if let earlier = try Self.record(db, IdempotencyRecordID(key))?.outcome(for: key, now: now) { return earlier }
            let claim = IdempotencyClaim(key: key)
            try Self.forget(db, IdempotencyRecordID(key))
            try db.execute(
                sql: "INSERT INTO idempotencyKey (bankOrg, key, requestHash, state, token, createdAt) VALUES (?, ?, ?, 'pending', ?, ?)",
                arguments: [key.bank.digits, key.key, Data(key.requestHash), claim.token, now]
            )
            return .proceed(claim)
        }
    }

    public func release(_ claim: IdempotencyClaim) async throws {
        try await writer.write { db in try Self.release(db, claim) }
    }

    public func pruneIdempotency(before: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM idempotencyKey WHERE COALESCE(completedAt, createdAt) < ?", arguments: [before])
            return db.changesCount
        }
    }

    static func release(_ db: Database, _ claim: IdempotencyClaim) throws {
        try db.execute(
            sql: "DELETE FROM idempotencyKey WHERE bankOrg = ? AND key = ? AND token = ? AND state = 'pending'",
            arguments: [claim.key.bank.digits, claim.key.key, claim.token]
        )
    }

    private static func forget(_ db: Database, _ id: IdempotencyRecordID) throws {
        try db.execute(sql: "DELETE FROM idempotencyKey WHERE bankOrg = ? AND key = ?", arguments: [id.bank.digits, id.key])
    }

    /// Finishes a claim taken earlier, if `token` still holds it.
    static func complete(_ db: Database, _ completion: BatchPlan.Completion, now: Date) throws {
        let (kind, consentId, sealed, logIndex) = StoredIdempotencyRecord.columns(of: completion.result)
        try db.execute(
            sql: """
                UPDATE idempotencyKey SET state = 'done', resultKind = ?, consentId = ?, sealedBundle = ?, logIndex = ?, completedAt = ?
                WHERE bankOrg = ? AND key = ? AND token = ? AND state = 'pending'
                """,
            arguments: [kind, consentId, sealed.map { Data($0) }, logIndex, now, completion.claim.key.bank.digits, completion.claim.key.key, completion.claim.token]
        )
    }

    /// Deletes the finished bundle records of these consents, and with them their sealed bundles.
    static func purgeBundleRecords(_ db: Database, of consents: [ConsentID]) throws {
        guard !consents.isEmpty else { return }
        let purge = try db.cachedStatement(sql: "DELETE FROM idempotencyKey WHERE consentId = ? AND resultKind = 'bundle'")
        for id in consents { try purge.execute(arguments: [id.description]) }
    }

    /// Writes a key claimed and finished in one transaction, replacing a forgotten record.
    static func recordFinished(_ db: Database, _ key: IdempotencyKey, _ result: IdempotentResult, now: Date) throws {
        try forget(db, IdempotencyRecordID(key))
        let (kind, consentId, sealed, logIndex) = StoredIdempotencyRecord.columns(of: result)
        try db.execute(
            sql: """
                INSERT INTO idempotencyKey (bankOrg, key, requestHash, state, token, resultKind, consentId, sealedBundle, logIndex, createdAt, completedAt)
                VALUES (?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [key.bank.digits, key.key, Data(key.requestHash), IdempotencyClaim.newToken(), kind, consentId, sealed.map { Data($0) }, logIndex, now, now]
        )
    }

    /// Current tokens of the claims a batch completes.
    static func claimTokens(_ db: Database, _ ids: [IdempotencyRecordID]) throws -> [IdempotencyRecordID: String] {
        var tokens: [IdempotencyRecordID: String] = [:]
        for id in ids {
            if case .pending(let token, _)? = try record(db, id)?.state { tokens[id] = token }
        }
        return tokens
    }

    static func records(_ db: Database, _ ids: [IdempotencyRecordID]) throws -> [IdempotencyRecordID: IdempotencyRecord] {
        var records: [IdempotencyRecordID: IdempotencyRecord] = [:]
        for id in ids { records[id] = try record(db, id) }
        return records
    }

    private static func record(_ db: Database, _ id: IdempotencyRecordID) throws -> IdempotencyRecord? {
        try Row.fetchOne(
            db,
            sql: "SELECT requestHash, state, token, resultKind, consentId, sealedBundle, logIndex, createdAt, completedAt FROM idempotencyKey WHERE bankOrg = ? AND key = ?",
            arguments: [id.bank.digits, id.key]
        ).map { row in
            try StoredIdempotencyRecord(
                bank: id.bank.digits, key: id.key, requestHash: Array(row["requestHash"] as Data), state: row["state"], token: row["token"],
                createdAt: row["createdAt"], completedAt: row["completedAt"], resultKind: row["resultKind"], consentId: row["consentId"],
                sealedBundle: (row["sealedBundle"] as Data?).map { Array($0) }, logIndex: row["logIndex"]
            ).record()
        }
    }
}
