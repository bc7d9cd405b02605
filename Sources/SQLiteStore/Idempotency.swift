import Foundation
import GRDB
import SamtykkeCore

/// A bank's `Idempotency-Key` on a POST, with the digest of the request it came with.
public struct IdempotencyKey: Sendable, Hashable {
    public let bank: OrgNumber
    public let key: String
    /// SHA-256 of method, path and body: the same key with anything else is a different request.
    public let requestHash: [UInt8]
    /// A pending claim older than this is taken to be abandoned (its request died) and may be retaken.
    public let abandonAfter: TimeInterval

    public init(bank: OrgNumber, key: String, requestHash: [UInt8], abandonAfter: TimeInterval) {
        self.bank = bank
        self.key = key
        self.requestHash = requestHash
        self.abandonAfter = abandonAfter
    }
}

/// A stored answer to replay.
public struct StoredAnswer: Sendable, Hashable {
    public let status: Int
    public let body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// What an `Idempotency-Key` says about a request, found inside the request's own transaction.
public enum IdempotencyOutcome: Sendable, Hashable {
    /// The key is new (now claimed): do the work.
    case proceed
    /// The key finished before with this same request: send its answer again, do nothing.
    case replay(StoredAnswer)
    /// Another request with the key is still running.
    case inProgress
    /// The key was used with a different request.
    case mismatch
}

extension IdempotencyKey {
    /// Looks the key up and, if it is new or abandoned, claims it as pending. Runs inside the
    /// caller's write transaction, which SQLite serialises: two retries can never both proceed.
    func claim(_ db: Database, now: Date) throws -> IdempotencyOutcome {
        if let row = try Row.fetchOne(
            db,
            sql: "SELECT requestHash, state, status, body, createdAt FROM idempotencyKey WHERE bankOrg = ? AND key = ?",
            arguments: [bank.digits, key]
        ) {
            guard Array(row["requestHash"] as Data) == requestHash else { return .mismatch }
            if row["state"] as String == "done" {
                return .replay(StoredAnswer(status: row["status"], body: Array(row["body"] as Data)))
            }
            guard now.timeIntervalSince(row["createdAt"] as Date) > abandonAfter else { return .inProgress }
            try db.execute(sql: "UPDATE idempotencyKey SET createdAt = ? WHERE bankOrg = ? AND key = ?", arguments: [now, bank.digits, key])
            return .proceed
        }
        try db.execute(
            sql: "INSERT INTO idempotencyKey (bankOrg, key, requestHash, state, createdAt) VALUES (?, ?, ?, 'pending', ?)",
            arguments: [bank.digits, key, Data(requestHash), now]
        )
        return .proceed
    }

    /// Stores the answer a retry will get.
    func complete(_ db: Database, with answer: StoredAnswer) throws {
        try db.execute(
            sql: "UPDATE idempotencyKey SET state = 'done', status = ?, body = ? WHERE bankOrg = ? AND key = ?",
            arguments: [answer.status, Data(answer.body), bank.digits, key]
        )
    }

    /// Gives the key back after a failure a retry may cure (the agency failed): nothing happened.
    func release(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM idempotencyKey WHERE bankOrg = ? AND key = ? AND state = 'pending'", arguments: [bank.digits, key])
    }
}
