import Foundation
import SamtykkeCore

/// Group commit for the consent log. Changes from concurrent requests queue here; whenever no
/// commit is running, everything queued goes to the store as one batch: one transaction, one
/// durable commit, one checkpoint signature. Each caller resumes only once its batch is durable.
/// Under no load a change commits at once; under load, batches grow instead of fsyncs queueing.
///
/// Single-use values (`useOnce`: every DPoP call's proof `jti`) queue here too and ride in the next
/// batch's transaction, so a busy DPoP load costs no more durable commits than the same load with API
/// keys; when no change is queued they are a batch of their own.
public actor LogSequencer {
    public struct Committed: Sendable {
        public let outcome: ChangeOutcome
        /// The checkpoint of the batch this change committed in.
        public let checkpoint: SignedCheckpoint?
    }

    private let store: any ChangeCommitting & ReplayStore
    private let signer: any CheckpointSigning
    private let maxBatch: Int
    private var queue: [Pending] = []
    private var uses: [PendingUse] = []
    private var draining = false

    private struct Pending {
        let change: Change
        let now: Date
        let reply: CheckedContinuation<Committed, any Error>
    }

    private struct PendingUse {
        let use: SingleUse
        let now: Date
        let reply: CheckedContinuation<Bool, any Error>
    }

    public init(store: any ChangeCommitting & ReplayStore, signer: any CheckpointSigning, maxBatch: Int = 256) {
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
            startDraining()
        }
    }

    /// Records `value` in `namespace` until `expiresAt` (`ReplayStore.useOnce`), asked for at `now`,
    /// in the next batch; false when it was recorded before, in an earlier batch or this one.
    public func useOnce(_ value: String, namespace: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await withCheckedThrowingContinuation { reply in
            uses.append(PendingUse(use: SingleUse(value, namespace: namespace, expiresAt: expiresAt), now: now, reply: reply))
            startDraining()
        }
    }

    /// What waits for the next batch: for tests that need a batch to form before it runs.
    package var waiting: (changes: Int, uses: Int) { (queue.count, uses.count) }

    private func startDraining() {
        guard !draining else { return }
        draining = true
        Task { await drain() }
    }

    private func drain() async {
        while !queue.isEmpty || !uses.isEmpty {
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            let riding = uses
            uses = []
            do {
                try await commit(batch, riding)
            } catch {
                // Nothing of the batch was written. The uses that rode with changes are tried again on
                // their own: a change's failure must neither refuse them nor let them through unrecorded.
                if !batch.isEmpty, !riding.isEmpty {
                    do { try await commit([], riding) } catch { for use in riding { use.reply.resume(throwing: error) } }
                } else {
                    for use in riding { use.reply.resume(throwing: error) }
                }
                if batch.count > 1 {
                    // One change's unexpected failure must not fail its neighbours: commit each alone.
                    for item in batch {
                        do { try await commit([item], []) } catch { item.reply.resume(throwing: error) }
                    }
                } else if let item = batch.first {
                    item.reply.resume(throwing: error)
                }
            }
        }
        draining = false
    }

    /// A batch happens at the latest time any of its changes or uses was asked for, so no decision is
    /// made at a moment before its request arrived. Nobody is answered before the whole batch is durable.
    private func commit(_ batch: [Pending], _ riding: [PendingUse]) async throws {
        let now = (batch.map(\.now) + riding.map(\.now)).max()!.roundedToMilliseconds
        let uses = riding.map(\.use)
        let committed = batch.isEmpty
            ? CommittedBatch(outcomes: [], checkpoint: nil, firstUses: try await store.useOnce(uses, now: now))
            : try await store.commit(batch.map(\.change), recording: uses, at: now, signer: signer)
        guard committed.outcomes.count == batch.count, committed.firstUses.count == uses.count else {
            // Written, so not to be tried again: nobody may go unanswered.
            let failure = StoreFailure.corrupt("a batch of \(batch.count) changes and \(uses.count) single-use values came back with \(committed.outcomes.count) outcomes and \(committed.firstUses.count) answers")
            for item in batch { item.reply.resume(throwing: failure) }
            for use in riding { use.reply.resume(throwing: failure) }
            return
        }
        for (item, outcome) in zip(batch, committed.outcomes) {
            item.reply.resume(with: outcome.map { Committed(outcome: $0, checkpoint: committed.checkpoint) }.mapError { $0 })
        }
        for (use, first) in zip(riding, committed.firstUses) { use.reply.resume(returning: first) }
    }
}
