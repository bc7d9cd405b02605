import Synchronization

/// Waits for `task` at most `deadline`, without waiting for it to end: a call stuck on a database
/// that stopped answering (a pool waiting out its connect timeout) must not hold `/readyz` or the
/// metrics refresh with it. Nil when the deadline came first; the task runs on, and the caller
/// decides whether to ask it again rather than start another.
func answer<T: Sendable>(of task: Task<T, Never>, within deadline: Duration) async -> T? {
    await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        let settled = Settled()
        let timer = Task {
            try? await Task.sleep(for: deadline)
            if settled.claim() { continuation.resume(returning: nil) }
        }
        Task {
            let value = await task.value
            if settled.claim() {
                timer.cancel()
                continuation.resume(returning: value)
            }
        }
    }
}

/// Whichever of the two racers comes first resumes the continuation; the other finds it taken.
private final class Settled: Sendable {
    private let done = Atomic(false)

    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}
