import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: DeliveryStore
extension PostgresStore {
    public func claimDeliveries(now: Date, leaseUntil: Date, limit: Int, perEndpoint: Int, lease: String) async throws -> [DeliveryJob] {
        try await transaction("claim webhook deliveries") { connection in
            // `chosen` ranks each endpoint's open deliveries, so the cap counts the leases it already
            // has and those ahead in this claim. PostgreSQL locks no rows of a query with a window
            // function, so `due` locks what was chosen, SKIP LOCKED (instances claiming at once take
            // different rows), and asks again whether each is free: a lease another instance
            // committed since this statement's snapshot is seen on the locked row. The lease keeps
            // instances apart after this transaction ends, while the POST is on its way.
            let rows = try await connection.query(
                """
                WITH open AS (
                    SELECT d.webhookId, d.logIdx, ROW_NUMBER() OVER (PARTITION BY d.webhookId ORDER BY d.logIdx) AS place
                    FROM delivery d JOIN webhook w ON w.id = d.webhookId
                    WHERE d.state = 'pending' AND d.nextAttemptAt <= \(now) AND (d.leaseUntil IS NULL OR d.leaseUntil <= \(now))
                        AND w.status <> 'disabled'
                        AND NOT EXISTS (SELECT 1 FROM delivery earlier WHERE earlier.webhookId = d.webhookId AND earlier.consentId = d.consentId
                            AND earlier.state = 'pending' AND earlier.logIdx < d.logIdx)
                ), held AS (
                    SELECT webhookId, COUNT(*) AS leases FROM delivery WHERE state = 'pending' AND leaseUntil > \(now) GROUP BY webhookId
                ), chosen AS (
                    SELECT open.webhookId, open.logIdx FROM open LEFT JOIN held ON held.webhookId = open.webhookId
                    WHERE open.place + COALESCE(held.leases, 0) <= \(perEndpoint)
                    ORDER BY open.logIdx LIMIT \(limit)
                ), due AS (
                    SELECT d.webhookId, d.logIdx FROM delivery d JOIN chosen ON chosen.webhookId = d.webhookId AND chosen.logIdx = d.logIdx
                    WHERE d.state = 'pending' AND (d.leaseUntil IS NULL OR d.leaseUntil <= \(now))
                    FOR UPDATE OF d SKIP LOCKED
                ), leased AS (
                    UPDATE delivery d SET leaseUntil = \(leaseUntil), lease = \(lease)
                    FROM due WHERE d.webhookId = due.webhookId AND d.logIdx = due.logIdx
                    RETURNING d.webhookId, d.logIdx, d.attempts
                )
                SELECT leased.webhookId, leased.logIdx, leased.attempts, w.bankOrg, w.url, w.sealedSecret, w.createdAt, w.status,
                    e.type, e.time, e.consentId, e.status, c.externalReference
                FROM leased JOIN webhook w ON w.id = leased.webhookId JOIN event e ON e.logIdx = leased.logIdx
                    LEFT JOIN consent c ON c.id = e.consentId
                ORDER BY leased.logIdx
                """,
                logger: logger
            )
            return try await rows.collect().map { try Self.job($0, lease: lease) }
        }
    }

    /// Collected, then decoded (see `events(_:)`).
    private static func job(_ row: PostgresRow, lease: String) throws -> DeliveryJob {
        let (webhookId, index, attempts, bank, url, secret, createdAt, webhookStatus, type, time, consent, status, reference) = try row.decode(
            (String, Int64, Int, String, String, ByteBuffer, Date, String, String, Date, String, String, String?).self
        )
        guard let webhookStatus = Webhook.Status(rawValue: webhookStatus) else {
            throw StoreFailure.corrupt("webhook \(webhookId) has an unknown status")
        }
        let webhook = Webhook(
            id: webhookId, bankOrg: try OrgNumber(bank), url: url, sealedSecret: Array(secret.readableBytesView),
            createdAt: createdAt, status: webhookStatus
        )
        let event = try event(index: index, type: type, time: time, bank: bank, consent: consent, status: status, externalReference: reference)
        return DeliveryJob(webhook: webhook, event: event, attempt: attempts + 1, lease: lease)
    }

    public func finishDelivery(_ job: DeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int) async throws {
        let webhookId = job.webhook.id
        let index = Int64(job.event.logIndex)
        let (status, error) = attempt.result.columns
        try await transaction("record a webhook delivery") { connection in
            // Locked first, so a retention sweep forgetting the event's consent either waits for this
            // transaction or has already taken the delivery (and its attempts) away: then there is
            // nothing to record the attempt against.
            let live = try await connection.query(
                "SELECT 1 FROM delivery WHERE webhookId = \(webhookId) AND logIdx = \(index) FOR NO KEY UPDATE", logger: logger
            ).collect()
            if !live.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO deliveryAttempt (webhookId, logIdx, attempt, at, milliseconds, status, error)
                    VALUES (\(webhookId), \(index), \(attempt.attempt), \(attempt.at), \(attempt.milliseconds), \(status), \(error))
                    """,
                    logger: logger
                )
            }
            switch verdict {
            case .delivered:
                try await connection.query(
                    """
                    UPDATE delivery SET state = 'delivered', attempts = attempts + 1, leaseUntil = NULL, lease = NULL
                    WHERE webhookId = \(webhookId) AND logIdx = \(index) AND lease = \(job.lease) AND state = 'pending'
                    """,
                    logger: logger
                )
                try await connection.query(
                    "UPDATE webhook SET failuresInARow = 0, status = CASE status WHEN 'disabled' THEN status ELSE 'active' END WHERE id = \(webhookId)",
                    logger: logger
                )
            case .retry(let next):
                try await connection.query(
                    """
                    UPDATE delivery SET attempts = attempts + 1, nextAttemptAt = \(next), leaseUntil = NULL, lease = NULL
                    WHERE webhookId = \(webhookId) AND logIdx = \(index) AND lease = \(job.lease) AND state = 'pending'
                    """,
                    logger: logger
                )
                try await connection.query(
                    """
                    UPDATE webhook SET failuresInARow = failuresInARow + 1,
                        status = CASE WHEN status = 'active' AND failuresInARow + 1 >= \(failingAfter) THEN 'failing' ELSE status END
                    WHERE id = \(webhookId)
                    """,
                    logger: logger
                )
            case .gaveUp, .gone:
                try await connection.query(
                    """
                    UPDATE delivery SET state = 'failed', attempts = attempts + 1, leaseUntil = NULL, lease = NULL
                    WHERE webhookId = \(webhookId) AND logIdx = \(index) AND lease = \(job.lease) AND state = 'pending'
                    """,
                    logger: logger
                )
                try await connection.query(
                    "UPDATE webhook SET failuresInARow = failuresInARow + 1, status = 'disabled' WHERE id = \(webhookId)", logger: logger
                )
            }
        }
    }

    public func deliveryLog(webhook: String, of bank: OrgNumber, limit: Int) async throws -> [DeliveryAttempt]? {
        try await mapErrors("read a webhook's deliveries") {
            let owned = try await client.query("SELECT id FROM webhook WHERE id = \(webhook) AND bankOrg = \(bank.digits)", logger: logger).collect()
            guard !owned.isEmpty else { return nil }
            let rows = try await client.query(
                """
                SELECT logIdx, attempt, at, milliseconds, status, error FROM deliveryAttempt
                WHERE webhookId = \(webhook) ORDER BY id DESC LIMIT \(max(0, limit))
                """,
                logger: logger
            ).collect()
            return try rows.map { row in
                let (index, attempt, at, milliseconds, status, error) = try row.decode((Int64, Int, Date, Int, Int?, String?).self)
                let result: DeliveryAttempt.Result = if let status { .status(status) } else { .failed(error ?? "") }
                return DeliveryAttempt(
                    webhookId: webhook, event: EventID(logIndex: UInt64(index)), attempt: attempt, at: at, milliseconds: milliseconds, result: result
                )
            }
        }
    }

    public func deliveryBacklog() async throws -> DeliveryBacklog {
        try await mapErrors("count pending webhook deliveries") {
            let row = try await client.query(
                """
                SELECT COUNT(*), MIN(e.time) FROM delivery d JOIN webhook w ON w.id = d.webhookId JOIN event e ON e.logIdx = d.logIdx
                WHERE d.state = 'pending' AND w.status != 'disabled'
                """,
                logger: logger
            ).onlyRow()
            let (pending, oldest) = try row?.decode((Int64, Date?).self) ?? (Int64(0), nil)
            return DeliveryBacklog(pending: Int(pending), oldestEventAt: oldest)
        }
    }

    public func replayDelivery(event: EventID, webhook: String, of bank: OrgNumber, now: Date) async throws -> Bool {
        let index = Int64(event.logIndex)
        return try await transaction("replay a webhook delivery") { connection in
            let found = try await connection.query(
                """
                SELECT w.id FROM webhook w JOIN event e ON e.bankOrg = w.bankOrg
                WHERE w.id = \(webhook) AND w.bankOrg = \(bank.digits) AND e.logIdx = \(index) FOR UPDATE OF w
                """,
                logger: logger
            ).collect()
            guard !found.isEmpty else { return false }
            try await connection.query(
                """
                INSERT INTO delivery (webhookId, logIdx, consentId, state, attempts, nextAttemptAt)
                SELECT \(webhook), logIdx, consentId, 'pending', 0, \(now) FROM event WHERE logIdx = \(index)
                ON CONFLICT (webhookId, logIdx) DO UPDATE SET state = 'pending', attempts = 0, nextAttemptAt = excluded.nextAttemptAt,
                    leaseUntil = NULL, lease = NULL
                """,
                logger: logger
            )
            try await connection.query("UPDATE webhook SET status = 'active', failuresInARow = 0 WHERE id = \(webhook)", logger: logger)
            return true
        }
    }
}
