import Foundation
import Logging
import SamtykkeStore
import Tracing

/// The one way a route or a sweep changes something: a commit onto the consent log that also
/// announces what it logged and explains a consent retention forgot. The broker builds one
/// (`Broker.committer`); whatever writes holds it, not the broker.
package struct ConsentCommitter: Sendable {
    let log: LogSequencer
    /// Where a consent that is no longer live is looked up, to say it was forgotten.
    let store: any RetentionStore
    let now: @Sendable () -> Date
    let storeFigures: StoreFigures
    let lastCommit: LastCommit
    let deliveryBell: DeliveryBell
    let traceOrigins: TraceOrigins
    /// Where each log entry is announced.
    let logger: Logger

    /// Commits one change in the next batch and returns its outcome.
    package func commit(_ kind: Change.Kind, completing: IdempotencyCompletion? = nil) async throws -> ChangeOutcome {
        try await commit(Change(kind, completing: completing))
    }

    func commit(_ kind: Change.Kind, claiming: IdempotencyKey?) async throws -> ChangeOutcome {
        try await commit(Change(kind, claiming: claiming))
    }

    /// `change` committed and announced. An act on a consent that is not in the live tables: if
    /// retention forgot it and the caller could see it, that is what the caller is told (410), as
    /// when reading it; else it is not found.
    private func commit(_ change: Change) async throws -> ChangeOutcome {
        do {
            return announced(try await withSpan("log commit") { _ in try await log.commit(change, at: now()).outcome })
        } catch StorageError.consentNotFound {
            if case .act(let id, let viewer, _) = change.kind, let forgotten = try await store.forgottenConsent(id, for: viewer) {
                throw StorageError.consentForgotten(forgotten)
            }
            throw StorageError.consentNotFound
        }
    }

    /// One line per entry the change logged: what happened to which consent and who did it, by
    /// kind only (a citizen actor's id is their national identity number).
    private func announced(_ outcome: ChangeOutcome) -> ChangeOutcome {
        if let newest = outcome.entries.map(\.index).max() {
            storeFigures.committed(logSize: UInt64(newest) + 1)
            lastCommit.mark()
            deliveryBell.ring()
        }
        traceOrigins.remember(logIndexes: outcome.entries.map { UInt64($0.index) })
        for entry in outcome.entries {
            logger.info("consent log entry", metadata: [
                "type": "\(entry.type.rawValue)",
                "consentId": "\(entry.consentId)",
                "bank": "\(entry.bankOrg.digits)",
                "actor": "\(entry.actor.kind.rawValue)",
                "logIndex": "\(entry.index)",
            ])
        }
        return outcome
    }
}
