import Foundation
import GRDB
import Synchronization

/// Group commit for `useOnce`: every DPoP call records its proof's `jti`, and one durable write
/// transaction each would cap a busy bank's calls at the disk's syncs per second. The calls that
/// arrive while a transaction runs wait and go into the next one together; each is still its own
/// `INSERT OR IGNORE`, so each learns whether it came first, a repeat within one batch included.
final class SingleUseBatch: Sendable {
    struct Use: Sendable {
        let value: String
        let namespace: String
        let expiresAt: Date
        let now: Date
    }

    private struct Waiting {
        let use: Use
        let answer: CheckedContinuation<Bool, any Error>
    }

    private let state = Mutex<(waiting: [Waiting], writing: Bool)>(([], false))

    func use(_ use: Use, writer: any DatabaseWriter) async throws -> Bool {
        try await withCheckedThrowingContinuation { answer in
            let lead = state.withLock { state in
                state.waiting.append(Waiting(use: use, answer: answer))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if lead { Task { await self.write(writer) } }
        }
    }

    /// Writes batches until none is waiting.
    private func write(_ writer: any DatabaseWriter) async {
        while true {
            let batch = state.withLock { state in
                let batch = state.waiting
                state.waiting = []
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard let latest = batch.map(\.use.now).max() else { return }
            do {
                let firsts = try await writer.write { db in
                    try db.cachedStatement(sql: "DELETE FROM usedOnce WHERE expiresAt <= ?").execute(arguments: [latest])
                    // Compiled once per connection, not once per call: every DPoP call comes here.
                    let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO usedOnce (namespace, value, expiresAt) VALUES (?, ?, ?)")
                    return try batch.map { waiting in
                        try insert.execute(arguments: [waiting.use.namespace, waiting.use.value, waiting.use.expiresAt])
                        return db.changesCount == 1
                    }
                }
                for (waiting, first) in zip(batch, firsts) { waiting.answer.resume(returning: first) }
            } catch {
                for waiting in batch { waiting.answer.resume(throwing: error) }
            }
        }
    }
}
