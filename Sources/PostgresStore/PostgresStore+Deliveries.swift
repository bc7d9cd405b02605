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
                SELECT \(unescaped: Self.prefixedWebhookColumns), w.bankOrg, leased.attempts,
                    leased.logIdx, e.type, e.time, e.consentId, e.status, c.externalReference
                FROM leased JOIN webhook w ON w.id = leased.webhookId JOIN event e ON e.logIdx = leased.logIdx
                    LEFT JOIN consent c ON c.id = e.consentId
                ORDER BY leased.logIdx
                """,
                logger: logger
            )
            return try await rows.collect().map { try Self.job($0, lease: lease) }
        }
    }

    /// The webhook's columns, first in a claim's rows, then its bank and the delivery's attempts so far.
    static let prefixedWebhookColumns = webhookColumns.split(separator: ", ").map { "w.\($0)" }.joined(separator: ", ")
    static let afterWebhook = 8

    static func claimed<Event>(_ row: PostgresRow, lease: String, event: (PostgresRandomAccessRow, Webhook) throws -> Event) throws -> QueuedDelivery<Event> {
        let cells = row.makeRandomAccess()
        let webhook = try Self.webhook(row, of: try OrgNumber(try cells[afterWebhook].decode(String.self)))
        let attempts = try cells[afterWebhook + 1].decode(Int.self)
        return QueuedDelivery(webhook: webhook, event: try event(cells, webhook), attempt: attempts + 1, lease: lease)
    }

    /// Collected, then decoded (see `events(_:)`).
    private static func job(_ row: PostgresRow, lease: String) throws -> DeliveryJob {
        try claimed(row, lease: lease) { cells, webhook in
            let from = afterWebhook + 2
            return try event(
                index: try cells[from].decode(Int64.self), type: try cells[from + 1].decode(String.self), time: try cells[from + 2].decode(Date.self),
                bank: webhook.bankOrg.digits, consent: try cells[from + 3].decode(String.self), status: try cells[from + 4].decode(String.self),
                externalReference: try cells[from + 5].decode(String?.self)
            )
        }
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
            try await settle(connection, table: "delivery", key: "logIdx", index, webhook: webhookId, lease: job.lease, verdict, failingAfter)
        }
    }

    /// Applies `verdict` to the delivery in `table` whose `key` column is `value` (if `lease` still
    /// holds it) and to its endpoint's status.
    func settle(
        _ connection: PostgresConnection, table: String, key: String, _ value: Int64, webhook webhookId: String, lease: String, _ verdict: DeliveryVerdict,
        _ failingAfter: Int
    ) async throws {
        switch verdict {
        case .delivered:
            try await connection.query(
                """
                UPDATE \(unescaped: table) SET state = 'delivered', attempts = attempts + 1, leaseUntil = NULL, lease = NULL
                WHERE webhookId = \(webhookId) AND \(unescaped: key) = \(value) AND lease = \(lease) AND state = 'pending'
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
                UPDATE \(unescaped: table) SET attempts = attempts + 1, nextAttemptAt = \(next), leaseUntil = NULL, lease = NULL
                WHERE webhookId = \(webhookId) AND \(unescaped: key) = \(value) AND lease = \(lease) AND state = 'pending'
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
                UPDATE \(unescaped: table) SET state = 'failed', attempts = attempts + 1, leaseUntil = NULL, lease = NULL
                WHERE webhookId = \(webhookId) AND \(unescaped: key) = \(value) AND lease = \(lease) AND state = 'pending'
                """,
                logger: logger
            )
            try await connection.query(
                "UPDATE webhook SET failuresInARow = failuresInARow + 1, status = 'disabled' WHERE id = \(webhookId)", logger: logger
            )
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

    public func deliveries(webhook: String, of bank: OrgNumber, before: MessageID?, limit: Int) async throws -> [DeliveryRecord]? {
        try await mapErrors("read a webhook's deliveries") {
            let owned = try await client.query("SELECT id FROM webhook WHERE id = \(webhook) AND bankOrg = \(bank.digits)", logger: logger).collect()
            guard !owned.isEmpty else { return nil }
            // Each delivery's place is (event index, 0, 0), or (afterIdx, 1, seq) for a test: `from` is the
            // cursor's place, from which the page goes back.
            var from: (index: Int64, test: Int64, seq: Int64) = (Int64.max, 0, 0)
            switch before {
            case nil: break
            case .event(let event): from = (Int64(event.logIndex), 0, 0)
            case .test(let test):
                let seq = Int64(test.number)
                let found = try await client.query("SELECT afterIdx FROM webhookTest WHERE seq = \(seq) AND webhookId = \(webhook)", logger: logger).collect()
                guard let after = try found.first?.decode(Int64.self) else { return [] }
                from = (after, 1, seq)
            }
            let limit = max(0, limit)
            let rows = try await client.query(
                """
                (SELECT d.logIdx AS place, 0 AS test, d.logIdx AS seq, e.type, d.state, d.attempts, d.nextAttemptAt,
                    a.attempt, a.at, a.milliseconds, a.status, a.error
                FROM delivery d JOIN event e ON e.logIdx = d.logIdx
                    LEFT JOIN deliveryAttempt a ON a.id = (SELECT MAX(id) FROM deliveryAttempt WHERE webhookId = d.webhookId AND logIdx = d.logIdx)
                WHERE d.webhookId = \(webhook) AND d.logIdx < \(from.index) + \(from.test) ORDER BY d.logIdx DESC LIMIT \(limit))
                UNION ALL
                (SELECT afterIdx, 1, seq, \(TestEvent.type), state, attempts, nextAttemptAt,
                    CASE WHEN lastAttemptAt IS NULL THEN NULL ELSE attempts END, lastAttemptAt, lastMilliseconds, lastStatus, lastError
                FROM webhookTest
                WHERE webhookId = \(webhook) AND (afterIdx < \(from.index) OR (afterIdx = \(from.index) AND \(from.test) = 1 AND seq < \(from.seq)))
                ORDER BY afterIdx DESC, seq DESC LIMIT \(limit))
                ORDER BY place DESC, test DESC, seq DESC LIMIT \(limit)
                """,
                logger: logger
            ).collect()
            return try rows.map { row in
                let (_, test, number, type, stateText, attempts, next, attempt, at, milliseconds, status, error) =
                    try row.decode((Int64, Int, Int64, String, String, Int, Date, Int?, Date?, Int?, Int?, String?).self)
                let event: MessageID = test == 1 ? .test(TestEventID(number: UInt64(number))) : .event(EventID(logIndex: UInt64(number)))
                guard let state = DeliveryRecord.State(rawValue: stateText) else {
                    throw StoreFailure.corrupt("delivery of \(event) to \(webhook) has an unknown state")
                }
                var last: DeliveryAttempt?
                if let attempt, let at, let milliseconds {
                    let result: DeliveryAttempt.Result = if let status { .status(status) } else { .failed(error ?? "") }
                    last = DeliveryAttempt(webhookId: webhook, message: event, attempt: attempt, at: at, milliseconds: milliseconds, result: result)
                }
                return DeliveryRecord(
                    webhookId: webhook, event: event, eventType: type, state: state, attempts: attempts, lastAttempt: last, nextAttemptAt: next
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

    public func addTestEvent(webhook: String, of bank: OrgNumber, now: Date) async throws -> TestEvent? {
        try await mapErrors("queue a test event") {
            let rows = try await client.query(
                """
                INSERT INTO webhookTest (webhookId, afterIdx, time, state, attempts, nextAttemptAt)
                SELECT id, COALESCE((SELECT MAX(logIdx) FROM event), -1), \(now), 'pending', 0, \(now) FROM webhook
                WHERE id = \(webhook) AND bankOrg = \(bank.digits)
                RETURNING seq
                """,
                logger: logger
            ).collect()
            return try rows.first.map { TestEvent(id: TestEventID(number: UInt64(try $0.decode(Int64.self))), webhookId: webhook, timestamp: now) }
        }
    }

    public func claimTestDeliveries(now: Date, leaseUntil: Date, limit: Int, perEndpoint: Int, lease: String) async throws -> [TestDeliveryJob] {
        try await mapErrors("claim test deliveries") {
            // One statement: SKIP LOCKED keeps instances claiming at once apart, the lease after it.
            let rows = try await client.query(
                """
                WITH due AS (
                    SELECT t.seq FROM webhookTest t
                    WHERE t.state = 'pending' AND t.nextAttemptAt <= \(now) AND (t.leaseUntil IS NULL OR t.leaseUntil <= \(now))
                        AND (SELECT COUNT(*) FROM delivery WHERE webhookId = t.webhookId AND state = 'pending' AND leaseUntil > \(now))
                            + (SELECT COUNT(*) FROM webhookTest WHERE webhookId = t.webhookId AND state = 'pending' AND leaseUntil > \(now)) < \(perEndpoint)
                    ORDER BY t.seq LIMIT \(limit) FOR UPDATE OF t SKIP LOCKED
                ), leased AS (
                    UPDATE webhookTest t SET leaseUntil = \(leaseUntil), lease = \(lease) FROM due WHERE t.seq = due.seq
                    RETURNING t.seq, t.webhookId, t.time, t.attempts
                )
                SELECT \(unescaped: Self.prefixedWebhookColumns), w.bankOrg, leased.attempts, leased.seq, leased.time
                FROM leased JOIN webhook w ON w.id = leased.webhookId ORDER BY leased.seq
                """,
                logger: logger
            ).collect()
            return try rows.map { row in
                try Self.claimed(row, lease: lease) { cells, webhook in
                    TestEvent(
                        id: TestEventID(number: UInt64(try cells[Self.afterWebhook + 2].decode(Int64.self))), webhookId: webhook.id,
                        timestamp: try cells[Self.afterWebhook + 3].decode(Date.self)
                    )
                }
            }
        }
    }

    public func finishTestDelivery(_ job: TestDeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int) async throws {
        let seq = Int64(job.event.id.number)
        let (status, error) = attempt.result.columns
        try await transaction("record a test delivery") { connection in
            // The attempt is kept even when the lease was lost, as `finishDelivery` keeps it.
            try await connection.query(
                """
                UPDATE webhookTest SET lastAttemptAt = \(attempt.at), lastMilliseconds = \(attempt.milliseconds), lastStatus = \(status),
                    lastError = \(error)
                WHERE seq = \(seq)
                """,
                logger: logger
            )
            try await settle(connection, table: "webhookTest", key: "seq", seq, webhook: job.webhook.id, lease: job.lease, verdict, failingAfter)
        }
    }
}
