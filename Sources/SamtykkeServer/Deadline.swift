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

/// Runs `work` in a task of its own and waits for it until the caller is cancelled and `grace` has
/// passed, then stops waiting (throwing `CancellationError`) and cancels the task. For a background
/// service whose work commits through the log sequencer: a commit is not cancellable (its caller
/// must learn whether the change landed), and one stuck on a database that stopped answering must
/// not hold up the stop; stopping the database pool after the service settles the commit. With a
/// grace, work that a healthy database finishes in milliseconds (recording a delivery) still lands.
package func untilCancelled<T: Sendable>(grace: Duration = .zero, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await work() }
    let settled = Settled()
    let waiting = Mutex<CheckedContinuation<T, any Error>?>(nil)
    let stop: @Sendable () -> Void = {
        task.cancel()
        if let continuation = waiting.withLock({ $0 }), settled.claim() { continuation.resume(throwing: CancellationError()) }
    }
    // The caller was cancelled: stop now, or once the grace has passed.
    let cancelled: @Sendable () -> Void = {
        guard grace > .zero else { return stop() }
        Task {
            try? await Task.sleep(for: grace)
            stop()
        }
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            waiting.withLock { $0 = continuation }
            Task {
                let result = await task.result
                if settled.claim() { continuation.resume(with: result) }
            }
            // Cancelled before the continuation was stored (a delivery's task is, when a stop comes
            // during its POST): the handler found nothing to resume, so the grace starts here.
            if Task.isCancelled { cancelled() }
        }
    } onCancel: {
        cancelled()
    }
}

/// Whichever of the two racers comes first resumes the continuation; the other finds it taken.
private final class Settled: Sendable {
    private let done = Atomic(false)

    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}
