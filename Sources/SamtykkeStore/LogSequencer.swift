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
    private let clock: @Sendable () -> Date
    private let maxBatch: Int
    private var queue: [(change: Change, reply: CheckedContinuation<Committed, any Error>)] = []
    private var draining = false

    public init(store: any ChangeCommitting, signer: any CheckpointSigning, maxBatch: Int = 256, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.signer = signer
        self.maxBatch = maxBatch
        self.clock = clock
    }

    /// Commits `change` in the next batch. A refusal by the domain comes back as the outcome's
    /// `refusal`; a change naming a consent the caller may not see throws `consentNotFound`.
    public func commit(_ change: Change) async throws -> Committed {
        try await withCheckedThrowingContinuation { reply in
            queue.append((change, reply))
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

    private func commit(_ batch: [(change: Change, reply: CheckedContinuation<Committed, any Error>)]) async throws {
        let committed = try await store.commit(batch.map(\.change), at: clock().roundedToMilliseconds, signer: signer)
        for (item, outcome) in zip(batch, committed.outcomes) {
            item.reply.resume(with: outcome.map { Committed(outcome: $0, checkpoint: committed.checkpoint) }.mapError { $0 })
        }
    }
}
