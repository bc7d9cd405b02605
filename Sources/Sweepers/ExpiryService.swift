import Foundation
import Logging
import SamtykkeServer
import SamtykkeStore
import ServiceLifecycle

/// Expires due requests and consents in the background so the log shows `consent.expired` close to
/// when it happened, not only when someone next touches the consent (which also enforces it); and
/// deletes idempotency records past their day, sealed bundles with them, so nothing of a bundle
/// stays at rest longer than a retry could need it; and forgets consents that ended longer ago than
/// the retention period (`Broker.Limits.retention`): their personal data leaves the live tables, the
/// openings of their entries are shredded and each gets its `consent.forgotten` entry.
package struct ExpiryService: Service, CustomStringConvertible {
    let committer: ConsentCommitter
    let store: any IdempotencyStore
    let now: @Sendable () -> Date
    /// How long an idempotency record is kept (`Broker.Limits.idempotencyRetention`).
    let idempotencyRetention: TimeInterval
    let retention: TimeInterval
    let interval: Duration
    let prepared: StartupGate
    /// A sweep that fails while the database is down is not logged again: the database's line says it.
    let database: DependencyHealth
    let logger: Logger

    package init(
        _ context: BackgroundContext, committer: ConsentCommitter, store: any IdempotencyStore, now: @escaping @Sendable () -> Date,
        idempotencyRetention: TimeInterval, retention: TimeInterval, interval: Duration
    ) {
        self.committer = committer
        self.store = store
        self.now = now
        self.idempotencyRetention = idempotencyRetention
        self.retention = retention
        self.interval = interval
        prepared = context.prepared
        database = context.database
        logger = context.logger
    }

    /// ServiceLifecycle logs services by description; the default would print every field.
    package var description: String { "ExpiryService" }

    static let batch = 200

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await prepared.wait()
            while !Task.isCancelled {
                do {
                    try await untilCancelled { [self] in try await sweep() }
                } catch is CancellationError {
                    return  // shutting down: an ordinary stop, not a failure
                } catch {
                    if await database.problem(maxAge: .seconds(2)) == nil { logger.error("expiry sweep failed", metadata: ["error": "\(error)"]) }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    private func sweep() async throws {
        // Bounded batches, so one sweep never holds the log for long; a full one goes again at once.
        var expired = Self.batch
        while expired == Self.batch {
            try Task.checkCancellation()
            expired = try await committer.commit(.expireDue(limit: Self.batch)).expired
            if expired > 0 { logger.info("expired consents", metadata: ["count": "\(expired)"]) }
        }
        let pruned = try await store.pruneIdempotency(before: now().addingTimeInterval(-idempotencyRetention))
        if pruned > 0 { logger.info("forgot idempotency records", metadata: ["count": "\(pruned)"]) }
        var forgotten = Self.batch
        while forgotten == Self.batch {
            try Task.checkCancellation()
            let endedBefore = now().addingTimeInterval(-retention)
            forgotten = try await committer.commit(.forgetEnded(endedBefore: endedBefore, limit: Self.batch)).forgotten
            if forgotten > 0 { logger.info("forgot ended consents past the retention period", metadata: ["count": "\(forgotten)"]) }
        }
    }
}
