import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: IdempotencyStore
extension PostgresStore {
    /// One short transaction: insert the claim if the key is new, else lock the row and let the
    /// shared rule (`IdempotencyRecord.outcome`) decide. Two requests with one key serialise on the
    /// row, so exactly one of them proceeds.
    public func claim(_ key: IdempotencyKey, now: Date) async throws -> IdempotencyOutcome {
        let claim = IdempotencyClaim(key: key)
        let bank = key.bank.digits
        return try await transaction("claim an Idempotency-Key") { connection in
            while true {
                let inserted = try await connection.query(
                    """
                    INSERT INTO idempotencyKey (bankOrg, key, requestHash, state, token, createdAt)
                    VALUES (\(bank), \(key.key), \(ByteBuffer(bytes: key.requestHash)), 'pending', \(claim.token), \(now))
                    ON CONFLICT (bankOrg, key) DO NOTHING RETURNING token
                    """,
                    logger: logger
                ).collect()
                if !inserted.isEmpty { return .proceed(claim) }

                let row = try await connection.query(
                    "SELECT \(unescaped: IdempotencyRow.columns) FROM idempotencyKey WHERE bankOrg = \(bank) AND key = \(key.key) FOR UPDATE",
                    logger: logger
                ).onlyRow()
                // Gone between the two statements (released or pruned): the key is new again.
                guard let row else { continue }
                if let outcome = try IdempotencyRow(row).record.outcome(for: key, now: now) { return outcome }
                // Forgotten (finished long ago, or abandoned): delete it, and claim afresh with a new
                // token, so the request still holding the old one can no longer complete or release it.
                try await connection.query("DELETE FROM idempotencyKey WHERE bankOrg = \(bank) AND key = \(key.key)", logger: logger)
            }
        }
    }

    public func release(_ claim: IdempotencyClaim) async throws {
        try await mapErrors("release an Idempotency-Key") {
            try await client.withConnection { connection in try await self.release(claim, on: connection) }
        }
    }

    /// Deletes the claim's pending record if the claim still holds it.
    func release(_ claim: IdempotencyClaim, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            DELETE FROM idempotencyKey
            WHERE bankOrg = \(claim.key.bank.digits) AND key = \(claim.key.key) AND token = \(claim.token) AND state = 'pending'
            """,
            logger: logger
        )
    }

    public func pruneIdempotency(before: Date) async throws -> Int {
        try await mapErrors("prune Idempotency-Keys") {
            let rows = try await client.query(
                """
                WITH gone AS (
                    DELETE FROM idempotencyKey
                    WHERE (state = 'done' AND completedAt < \(before)) OR (state = 'pending' AND createdAt < \(before))
                    RETURNING 1
                )
                SELECT count(*) FROM gone
                """,
                logger: logger
            ).decode(Int.self).onlyRow()
            return rows ?? 0
        }
    }
}
