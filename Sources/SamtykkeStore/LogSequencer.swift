import Foundation
import SamtykkeCore

/// Group commit for the consent log. Changes from concurrent requests queue here; whenever no
/// commit is running, everything queued goes to the store as one batch: one transaction, one
/// durable commit, one checkpoint signature. Each caller resumes only once its batch is durable.
/// Under no load a change commits at once; under load, batches grow instead of fsyncs queueing.
public actor LogSequencer {
    public struct Committed: Sendable {
        public let outcome: ChangeOutcome
        /// The checkpoint of the batch this change committed in.
        public let checkpoint: SignedCheckpoint?
    }

    private let store: any ChangeCommitting
    private let signer: any CheckpointSigning
    private let maxBatch: Int
    private var queue: [Pending] = []
    private var draining = false

    private struct Pending {
        let change: Change
        let now: Date
        let reply: CheckedContinuation<Committed, any Error>
    }

    public init(store: any ChangeCommitting, signer: any CheckpointSigning, maxBatch: Int = 256) {
        self.store = store
        self.signer = signer
        self.maxBatch = maxBatch
    }

    /// Commits `change`, asked for at `now`, in the next batch. A refusal by the domain comes back as
    /// the outcome's `refusal`; a change naming a consent the caller may not see throws
    /// `consentNotFound`.
    public func commit(_ change: Change, at now: Date) async throws -> Committed {
        try await withCheckedThrowingContinuation { reply in
            queue.append(Pending(change: change, now: now, reply: reply))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            do {
                try await commit(batch)
            } catch where batch.count > 1 {
                // One change's unexpected failure must not fail its neighbours: commit each alone.
                for item in batch {
                    do { try await commit([item]) } catch { item.reply.resume(throwing: error) }
                }
            } catch {
                batch[0].reply.resume(throwing: error)
            }
        }
        draining = false
    }

    /// A batch happens at the latest time any of its changes was asked for, so no decision is made
    /// at a moment before its request arrived.
    private func commit(_ batch: [Pending]) async throws {
        let now = batch.map(\.now).max()!.roundedToMilliseconds
        let committed = try await store.commit(batch.map(\.change), at: now, signer: signer)
        for (item, outcome) in zip(batch, committed.outcomes) {
            item.reply.resume(with: outcome.map { Committed(outcome: $0, checkpoint: committed.checkpoint) }.mapError { $0 })
        }
    }
}
