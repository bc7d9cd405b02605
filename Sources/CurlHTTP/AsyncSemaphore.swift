import Synchronization

/// Bounds how many requests are in flight. Waiters are served in arrival order and a
/// waiter whose task is cancelled leaves the queue at once, so cancellation neither
/// leaks a permit nor leaves a caller stuck behind a slow peer.
final class AsyncSemaphore: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var available: Int
        var nextWaiterID: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private enum Attempt {
        case acquired
        case cancelled
        case waiting
    }

    private let state: Mutex<State>

    init(permits: Int) {
        state = Mutex(State(available: permits))
    }

    /// How many callers are queued for a permit.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Throws `CancellationError` if the task is cancelled before a permit is granted.
    func acquire() async throws {
        try Task.checkCancellation()
        let id: UInt64? = state.withLock { state in
            if state.available > 0 {
                state.available -= 1
                return nil
            }
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        guard let id else { return }

        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock, so neither a release nor a cancellation that ran
                // since the fast path above can be missed.
                let attempt: Attempt = state.withLock { state in
                    if Task.isCancelled {
                        return .cancelled
                    }
                    if state.available > 0 {
                        state.available -= 1
                        return .acquired
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .waiting
                }
                switch attempt {
                case .acquired: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release() {
        let next: Waiter? = state.withLock { state in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume()
    }
}
