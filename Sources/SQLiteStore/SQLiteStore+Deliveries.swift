import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: DeliveryStore {
    public func claimDeliveries(now: Date, leaseUntil: Date, limit: Int, perEndpoint: Int, lease: String) async throws -> [DeliveryJob] {
        let arguments: StatementArguments = ["now": now, "perEndpoint": perEndpoint, "limit": limit]
        // The sender asks after every commit and every settled delivery: when nothing can be
        // claimed, a read (the claim's own question) answers without taking the single writer the
        // log's commits queue for.
        let claimable = try await writer.read { db in
            try Bool.fetchOne(db, sql: "\(Self.claimable) SELECT EXISTS(SELECT 1 FROM chosen)", arguments: arguments)!
        }
        guard claimable else { return [] }
        return try await writer.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    \(Self.claimable)
                    SELECT d.webhookId, d.logIdx, d.attempts, w.bankOrg, w.url, w.sealedSecret, w.createdAt AS webhookCreatedAt, w.status AS webhookStatus,
                        e.type, e.time, e.consentId, e.status, c.externalReference
                    FROM chosen JOIN delivery d ON d.webhookId = chosen.webhookId AND d.logIdx = chosen.logIdx
                        JOIN webhook w ON w.id = d.webhookId JOIN event e ON e.logIdx = d.logIdx LEFT JOIN consent c ON c.id = e.consentId
                    ORDER BY d.logIdx
                    """,
                arguments: arguments
            )
            return try rows.map { row in
                let webhookId: String = row["webhookId"]
                let index: Int64 = row["logIdx"]
                try db.execute(
                    sql: "UPDATE delivery SET leaseUntil = ?, lease = ? WHERE webhookId = ? AND logIdx = ?",
                    arguments: [leaseUntil, lease, webhookId, index]
                )
                return try Self.job(row, lease: lease)
            }
        }
    }

    /// `chosen`: what a claim takes (see `DeliveryStore.claimDeliveries`). Each endpoint's open
    /// deliveries are ranked, so the cap counts the leases it already has (this instance's and
    /// others') and the deliveries ahead of it in this claim.
    static let claimable = """
        WITH open AS (
            SELECT d.webhookId, d.logIdx, ROW_NUMBER() OVER (PARTITION BY d.webhookId ORDER BY d.logIdx) AS place
            FROM delivery d JOIN webhook w ON w.id = d.webhookId
            WHERE d.state = 'pending' AND d.nextAttemptAt <= :now AND (d.leaseUntil IS NULL OR d.leaseUntil <= :now) AND w.status != 'disabled'
                AND NOT EXISTS (SELECT 1 FROM delivery earlier WHERE earlier.webhookId = d.webhookId AND earlier.consentId = d.consentId
                    AND earlier.state = 'pending' AND earlier.logIdx < d.logIdx)
        ), held AS (
            SELECT webhookId, COUNT(*) AS leases FROM delivery WHERE state = 'pending' AND leaseUntil > :now GROUP BY webhookId
        ), chosen AS (
            SELECT open.webhookId, open.logIdx FROM open LEFT JOIN held ON held.webhookId = open.webhookId
            WHERE open.place + COALESCE(held.leases, 0) <= :perEndpoint
            ORDER BY open.logIdx LIMIT :limit
        )
        """

    static func job(_ row: Row, lease: String) throws -> DeliveryJob {
        let webhookId: String = row["webhookId"]
        guard let status = Webhook.Status(rawValue: row["webhookStatus"]) else {
            throw StoreFailure.corrupt("webhook \(webhookId) has an unknown status")
        }
        let bank = try OrgNumber(row["bankOrg"] as String)
        let webhook = Webhook(
            id: webhookId, bankOrg: bank, url: row["url"], sealedSecret: Array(row["sealedSecret"] as Data),
            createdAt: row["webhookCreatedAt"], status: status
        )
        let attempts: Int = row["attempts"]
        return DeliveryJob(webhook: webhook, event: try event(row), attempt: attempts + 1, lease: lease)
    }

    public func finishDelivery(_ job: DeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int) async throws {
        try await writer.write { db in
            let webhookId = job.webhook.id
            let index = Int64(job.event.logIndex)
            let (status, error) = attempt.result.columns
            // Unless retention forgot the event's consent while the attempt ran: its deliveries went with it.
            try db.execute(
                sql: """
                    INSERT INTO deliveryAttempt (webhookId, logIdx, attempt, at, milliseconds, status, error)
                    SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM delivery WHERE webhookId = ? AND logIdx = ?)
                    """,
                arguments: [webhookId, index, attempt.attempt, attempt.at, attempt.milliseconds, status, error, webhookId, index]
            )
            let owned = "webhookId = ? AND logIdx = ? AND lease = ? AND state = 'pending'"
            let ownedArguments: StatementArguments = [webhookId, index, job.lease]
            switch verdict {
            case .delivered:
                try db.execute(sql: "UPDATE delivery SET state = 'delivered', attempts = attempts + 1, leaseUntil = NULL, lease = NULL WHERE \(owned)", arguments: ownedArguments)
                try db.execute(
                    sql: "UPDATE webhook SET failuresInARow = 0, status = CASE status WHEN 'disabled' THEN status ELSE 'active' END WHERE id = ?",
                    arguments: [job.webhook.id]
                )
            case .retry(let next):
                try db.execute(
                    sql: "UPDATE delivery SET attempts = attempts + 1, nextAttemptAt = ?, leaseUntil = NULL, lease = NULL WHERE \(owned)",
                    arguments: [next, webhookId, index, job.lease]
                )
                try db.execute(
                    sql: """
                        UPDATE webhook SET failuresInARow = failuresInARow + 1,
                            status = CASE WHEN status = 'active' AND failuresInARow + 1 >= ? THEN 'failing' ELSE status END
                        WHERE id = ?
                        """,
                    arguments: [failingAfter, job.webhook.id]
                )
            case .gaveUp, .gone:
                try db.execute(sql: "UPDATE delivery SET state = 'failed', attempts = attempts + 1, leaseUntil = NULL, lease = NULL WHERE \(owned)", arguments: ownedArguments)
                try db.execute(sql: "UPDATE webhook SET failuresInARow = failuresInARow + 1, status = 'disabled' WHERE id = ?", arguments: [job.webhook.id])
            }
        }
    }

    public func deliveryLog(webhook: String, of bank: OrgNumber, limit: Int) async throws -> [DeliveryAttempt]? {
        try await writer.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM webhook WHERE id = ? AND bankOrg = ?)", arguments: [webhook, bank.digits])! else {
                return nil
            }
            return try Row.fetchAll(
                db,
                sql: "SELECT logIdx, attempt, at, milliseconds, status, error FROM deliveryAttempt WHERE webhookId = ? ORDER BY id DESC LIMIT ?",
                arguments: [webhook, max(0, limit)]
            ).map { row in
                let index: Int64 = row["logIdx"]
                let result: DeliveryAttempt.Result = if let status: Int = row["status"] { .status(status) } else { .failed(row["error"]) }
                return DeliveryAttempt(
                    webhookId: webhook, event: EventID(logIndex: UInt64(index)), attempt: row["attempt"], at: row["at"],
                    milliseconds: row["milliseconds"], result: result
                )
            }
        }
    }

    public func deliveryBacklog() async throws -> DeliveryBacklog {
        try await writer.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS pending, MIN(e.time) AS oldest
                    FROM delivery d JOIN webhook w ON w.id = d.webhookId JOIN event e ON e.logIdx = d.logIdx
                    WHERE d.state = 'pending' AND w.status != 'disabled'
                    """
            )!
            return DeliveryBacklog(pending: row["pending"], oldestEventAt: row["oldest"])
        }
    }

    public func replayDelivery(event: EventID, webhook: String, of bank: OrgNumber, now: Date) async throws -> Bool {
        try await writer.write { db in
            guard try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS(SELECT 1 FROM webhook w JOIN event e ON e.bankOrg = w.bankOrg WHERE w.id = ? AND w.bankOrg = ? AND e.logIdx = ?)",
                arguments: [webhook, bank.digits, Int64(event.logIndex)]
            )! else { return false }
            try db.execute(
                sql: """
                    INSERT INTO delivery (webhookId, logIdx, consentId, state, attempts, nextAttemptAt)
                    SELECT ?, logIdx, consentId, 'pending', 0, ? FROM event WHERE logIdx = ?
                    ON CONFLICT (webhookId, logIdx) DO UPDATE SET state = 'pending', attempts = 0, nextAttemptAt = excluded.nextAttemptAt,
                        leaseUntil = NULL, lease = NULL
                    """,
                arguments: [webhook, now, Int64(event.logIndex)]
            )
            try db.execute(sql: "UPDATE webhook SET status = 'active', failuresInARow = 0 WHERE id = ?", arguments: [webhook])
            return true
        }
    }
}
