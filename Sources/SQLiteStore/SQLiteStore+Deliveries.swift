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
                    SELECT d.logIdx, d.attempts, w.bankOrg, \(Self.prefixedWebhookColumns),
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

    /// The webhook's columns as `webhook` + name, beside a delivery's own.
    static let prefixedWebhookColumns = webhookColumns.split(separator: ", ").map { "w.\($0) AS webhook\($0)" }.joined(separator: ", ")

    static func job(_ row: Row, lease: String) throws -> DeliveryJob {
        let webhook = try Self.webhook(row, of: try OrgNumber(row["bankOrg"] as String), prefix: "webhook")
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
            try Self.settle(db, table: "delivery", key: "logIdx", index, webhook: webhookId, lease: job.lease, verdict, failingAfter)
        }
    }

    /// Applies `verdict` to the delivery in `table` whose `key` column is `value` (if `lease` still
    /// holds it) and to its endpoint's status.
    static func settle(
        _ db: Database, table: String, key: String, _ value: Int64, webhook webhookId: String, lease: String, _ verdict: DeliveryVerdict, _ failingAfter: Int
    ) throws {
        let owned = "webhookId = ? AND \(key) = ? AND lease = ? AND state = 'pending'"
        let ownedArguments: StatementArguments = [webhookId, value, lease]
        switch verdict {
        case .delivered:
            try db.execute(sql: "UPDATE \(table) SET state = 'delivered', attempts = attempts + 1, leaseUntil = NULL, lease = NULL WHERE \(owned)", arguments: ownedArguments)
            try db.execute(
                sql: "UPDATE webhook SET failuresInARow = 0, status = CASE status WHEN 'disabled' THEN status ELSE 'active' END WHERE id = ?",
                arguments: [webhookId]
            )
        case .retry(let next):
            try db.execute(
                sql: "UPDATE \(table) SET attempts = attempts + 1, nextAttemptAt = ?, leaseUntil = NULL, lease = NULL WHERE \(owned)",
                arguments: [next] + ownedArguments
            )
            try db.execute(
                sql: """
                    UPDATE webhook SET failuresInARow = failuresInARow + 1,
                        status = CASE WHEN status = 'active' AND failuresInARow + 1 >= ? THEN 'failing' ELSE status END
                    WHERE id = ?
                    """,
                arguments: [failingAfter, webhookId]
            )
        case .gaveUp, .gone:
            try db.execute(sql: "UPDATE \(table) SET state = 'failed', attempts = attempts + 1, leaseUntil = NULL, lease = NULL WHERE \(owned)", arguments: ownedArguments)
            try db.execute(sql: "UPDATE webhook SET failuresInARow = failuresInARow + 1, status = 'disabled' WHERE id = ?", arguments: [webhookId])
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
                return Self.attempt(row, webhook: webhook, event: .event(EventID(logIndex: UInt64(index))))
            }
        }
    }

    public func deliveries(webhook: String, of bank: OrgNumber, before: MessageID?, limit: Int) async throws -> [DeliveryRecord]? {
        try await writer.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM webhook WHERE id = ? AND bankOrg = ?)", arguments: [webhook, bank.digits])! else {
                return nil
            }
            // Each delivery's place is (event index, 0, 0), or (afterIdx, 1, seq) for a test: `from` is the
            // cursor's place, from which the page goes back.
            var from: (index: Int64, test: Int64, seq: Int64) = (Int64.max, 0, 0)
            switch before {
            case nil: break
            case .event(let event): from = (Int64(event.logIndex), 0, 0)
            case .test(let test):
                guard let after = try Int64.fetchOne(
                    db, sql: "SELECT afterIdx FROM webhookTest WHERE seq = ? AND webhookId = ?", arguments: [Int64(test.number), webhook]
                ) else { return [] }
                from = (after, 1, Int64(test.number))
            }
            let limit = max(0, limit)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (
                        SELECT d.logIdx AS place, 0 AS test, d.logIdx AS seq, e.type, d.state, d.attempts, d.nextAttemptAt,
                            a.attempt, a.at, a.milliseconds, a.status, a.error
                        FROM delivery d JOIN event e ON e.logIdx = d.logIdx
                            LEFT JOIN deliveryAttempt a ON a.id = (SELECT MAX(id) FROM deliveryAttempt WHERE webhookId = d.webhookId AND logIdx = d.logIdx)
                        WHERE d.webhookId = :webhook AND d.logIdx < :index + :test ORDER BY d.logIdx DESC LIMIT :limit
                    )
                    UNION ALL SELECT * FROM (
                        SELECT afterIdx, 1, seq, '\(TestEvent.type)', state, attempts, nextAttemptAt,
                            CASE WHEN lastAttemptAt IS NULL THEN NULL ELSE attempts END, lastAttemptAt, lastMilliseconds, lastStatus, lastError
                        FROM webhookTest
                        WHERE webhookId = :webhook AND (afterIdx < :index OR (afterIdx = :index AND :test = 1 AND seq < :seq))
                        ORDER BY afterIdx DESC, seq DESC LIMIT :limit
                    )
                    ORDER BY place DESC, test DESC, seq DESC LIMIT :limit
                    """,
                arguments: ["webhook": webhook, "index": from.index, "test": from.test, "seq": from.seq, "limit": limit]
            ).map { row in
                let number: Int64 = row["seq"]
                let event: MessageID = (row["test"] as Int) == 1 ? .test(TestEventID(number: UInt64(number))) : .event(EventID(logIndex: UInt64(number)))
                guard let state = DeliveryRecord.State(rawValue: row["state"]) else {
                    throw StoreFailure.corrupt("delivery of \(event) to \(webhook) has an unknown state")
                }
                // No attempt yet leaves the attempt's columns null.
                let last = (row["attempt"] as Int?).map { _ in Self.attempt(row, webhook: webhook, event: event) }
                return DeliveryRecord(
                    webhookId: webhook, event: event, eventType: row["type"], state: state, attempts: row["attempts"], lastAttempt: last,
                    nextAttemptAt: row["nextAttemptAt"]
                )
            }
        }
    }

    /// An attempt from its columns (`attempt, at, milliseconds, status, error`).
    static func attempt(_ row: Row, webhook: String, event: MessageID) -> DeliveryAttempt {
        let result: DeliveryAttempt.Result = if let status: Int = row["status"] { .status(status) } else { .failed(row["error"]) }
        return DeliveryAttempt(webhookId: webhook, message: event, attempt: row["attempt"], at: row["at"], milliseconds: row["milliseconds"], result: result)
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

    public func addTestEvent(webhook: String, of bank: OrgNumber, now: Date) async throws -> TestEvent? {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhookTest (webhookId, afterIdx, time, state, attempts, nextAttemptAt)
                    SELECT id, COALESCE((SELECT MAX(logIdx) FROM event), -1), ?, 'pending', 0, ? FROM webhook WHERE id = ? AND bankOrg = ?
                    """,
                arguments: [now, now, webhook, bank.digits]
            )
            guard db.changesCount == 1 else { return nil }
            return TestEvent(id: TestEventID(number: UInt64(db.lastInsertedRowID)), webhookId: webhook, timestamp: now)
        }
    }

    public func claimTestDeliveries(now: Date, leaseUntil: Date, limit: Int, perEndpoint: Int, lease: String) async throws -> [TestDeliveryJob] {
        let due = """
            FROM webhookTest t WHERE t.state = 'pending' AND t.nextAttemptAt <= :now AND (t.leaseUntil IS NULL OR t.leaseUntil <= :now)
                AND (SELECT COUNT(*) FROM delivery WHERE webhookId = t.webhookId AND state = 'pending' AND leaseUntil > :now)
                    + (SELECT COUNT(*) FROM webhookTest WHERE webhookId = t.webhookId AND state = 'pending' AND leaseUntil > :now) < :perEndpoint
            """
        let arguments: StatementArguments = ["now": now, "limit": limit, "perEndpoint": perEndpoint]
        // As `claimDeliveries`: a read answers when nothing is due.
        guard try await writer.read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 \(due))", arguments: arguments)! }) else {
            return []
        }
        return try await writer.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.seq, t.time, t.attempts, w.bankOrg, \(Self.prefixedWebhookColumns)
                    FROM webhookTest t JOIN webhook w ON w.id = t.webhookId
                    WHERE t.seq IN (SELECT t.seq \(due) ORDER BY t.seq LIMIT :limit) ORDER BY t.seq
                    """,
                arguments: arguments
            )
            return try rows.map { row in
                let seq: Int64 = row["seq"]
                try db.execute(sql: "UPDATE webhookTest SET leaseUntil = ?, lease = ? WHERE seq = ?", arguments: [leaseUntil, lease, seq])
                let webhook = try Self.webhook(row, of: try OrgNumber(row["bankOrg"] as String), prefix: "webhook")
                let attempts: Int = row["attempts"]
                return TestDeliveryJob(
                    webhook: webhook, event: TestEvent(id: TestEventID(number: UInt64(seq)), webhookId: webhook.id, timestamp: row["time"]),
                    attempt: attempts + 1, lease: lease
                )
            }
        }
    }

    public func finishTestDelivery(_ job: TestDeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int) async throws {
        try await writer.write { db in
            let seq = Int64(job.event.id.number)
            let (status, error) = attempt.result.columns
            // The attempt is kept even when the lease was lost, as `finishDelivery` keeps it.
            try db.execute(
                sql: "UPDATE webhookTest SET lastAttemptAt = ?, lastMilliseconds = ?, lastStatus = ?, lastError = ? WHERE seq = ?",
                arguments: [attempt.at, attempt.milliseconds, status, error, seq]
            )
            try Self.settle(db, table: "webhookTest", key: "seq", seq, webhook: job.webhook.id, lease: job.lease, verdict, failingAfter)
        }
    }
}
