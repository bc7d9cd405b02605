import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: IdempotencyStore
extension PostgresStore {
    /// One short transaction: insert the claim if the key is new, else lock the row and read it. Two
    /// requests with one key serialise on the row, so exactly one of them proceeds.
    public func claim(_ key: IdempotencyKey, now: Date) async throws -> IdempotencyOutcome {
        let token = Self.newToken()
        let bank = key.bank.digits
        let requestHash = ByteBuffer(bytes: key.requestHash)
        return try await transaction("claim an Idempotency-Key") { connection in
            while true {
                let inserted = try await connection.query(
                    """
                    INSERT INTO idempotencyKey (bankOrg, key, requestHash, state, token, createdAt)
                    VALUES (\(bank), \(key.key), \(requestHash), 'pending', \(token), \(now))
                    ON CONFLICT (bankOrg, key) DO NOTHING RETURNING token
                    """,
                    logger: logger
                ).collect()
                if !inserted.isEmpty { return .proceed(IdempotencyClaim(key: key, token: token)) }

                let row = try await connection.query(
                    """
                    SELECT requestHash, state, createdAt, completedAt, resultKind, consentId, sealedBundle, logIndex
                    FROM idempotencyKey WHERE bankOrg = \(bank) AND key = \(key.key) FOR UPDATE
                    """,
                    logger: logger
                ).decode((ByteBuffer, String, Date, Date?, String?, String?, ByteBuffer?, Int64?).self).onlyRow()
                // Released or pruned between the two statements: the key is new again.
                guard let row else { continue }
                let (storedHash, state, createdAt, completedAt, resultKind, consentId, sealedBundle, logIndex) = row

                let forgotten = state == "done" && now.timeIntervalSince(completedAt ?? createdAt) >= key.retainFor
                let abandoned = state == "pending" && now.timeIntervalSince(createdAt) >= key.abandonAfter
                if forgotten || (abandoned && storedHash == requestHash) {
                    // A new claim, with a new token: a request still holding the old one can no longer
                    // complete or release it.
                    try await connection.query(
                        """
                        UPDATE idempotencyKey SET requestHash = \(requestHash), state = 'pending', token = \(token), createdAt = \(now),
                            resultKind = NULL, consentId = NULL, sealedBundle = NULL, logIndex = NULL, completedAt = NULL
                        WHERE bankOrg = \(bank) AND key = \(key.key)
                        """,
                        logger: logger
                    )
                    return .proceed(IdempotencyClaim(key: key, token: token))
                }
                guard storedHash == requestHash else { return .mismatch }
                guard state == "done" else { return .inProgress }
                return .replay(try Self.result(kind: resultKind, consentId: consentId, sealedBundle: sealedBundle, logIndex: logIndex))
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

    /// 128 random bits, unguessable by another request.
    private static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &rng)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    private static func result(kind: String?, consentId: String?, sealedBundle: ByteBuffer?, logIndex: Int64?) throws(StorageError) -> IdempotentResult {
        guard let consentId, let id = try? ConsentID(consentId) else { throw .corrupt("a finished Idempotency-Key names no consent") }
        switch kind {
        case "consent":
            return .consentCreated(id)
        case "bundle":
            guard let sealedBundle, let logIndex, logIndex >= 0 else { throw .corrupt("a finished bundle Idempotency-Key has no bundle") }
            return .bundleIssued(id, sealedBundle: Array(sealedBundle.readableBytesView), logIndex: UInt64(logIndex))
        default:
            throw .corrupt("a finished Idempotency-Key has result kind \(kind ?? "NULL")")
        }
    }
}
