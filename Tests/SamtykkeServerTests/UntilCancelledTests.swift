import Synchronization
import Testing
import TestSupport

@testable import SamtykkeServer

/// A background service's stop must not wait on work that cannot be cancelled (a commit queued in
/// the log sequencer while the database does not answer): a broker on PostgreSQL once hung in
/// `ExpiryService` past its stop deadline right after an outage.
@Suite(.sameOnEveryBackend) struct UntilCancelledTests {
    @Test func aCancelledCallerStopsWaitingForWorkThatIgnoresCancellation() async throws {
        let stuck = StuckWork()
        let caller = Task { try await untilCancelled { await stuck.run() } }
        await stuck.untilStarted()
        caller.cancel()
        let outcome = await answer(of: Task { await caller.result }, within: .seconds(10))
        let result = try #require(outcome, "the caller still waited for the stuck work")
        #expect(throws: CancellationError.self) { try result.get() }
        // The work was told, although it chose to go on.
        #expect(stuck.sawCancellation)
        stuck.release()
    }

    @Test func anUncancelledCallerGetsTheWorksValueOrError() async throws {
        #expect(try await untilCancelled { 42 } == 42)
        await #expect(throws: Failure.self) { try await untilCancelled { throw Failure() } }
    }

    @Test func aCallerCancelledBeforeItWaitsDoesNotWait() async throws {
        let stuck = StuckWork()
        let caller = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await untilCancelled { await stuck.run() }
        }
        let outcome = await answer(of: Task { await caller.result }, within: .seconds(10))
        let result = try #require(outcome, "the caller still waited for the stuck work")
        #expect(throws: CancellationError.self) { try result.get() }
        stuck.release()
    }

    /// A webhook delivery's record: a stop lets work that ends within the grace land, untold; also
    /// when the caller was cancelled before it waited, as a delivery's task is when a stop comes
    /// during its POST.
    @Test(arguments: [false, true]) func withAGraceWorkThatEndsInTimeLandsUntold(cancelledBeforeItWaits: Bool) async throws {
        let stuck = StuckWork()
        let caller = Task {
            if cancelledBeforeItWaits { withUnsafeCurrentTask { $0?.cancel() } }
            return try await untilCancelled(grace: .seconds(30)) { await stuck.run(); return 7 }
        }
        await stuck.untilStarted()
        caller.cancel()
        try await Task.sleep(for: .milliseconds(200))
        #expect(!stuck.sawCancellation)
        stuck.release()
        #expect(try await caller.value == 7)
    }

    /// …and stops waiting for work that is still stuck once the grace has passed.
    @Test func withAGraceStuckWorkIsLeftOnceItHasPassed() async throws {
        let stuck = StuckWork()
        let caller = Task { try await untilCancelled(grace: .milliseconds(300)) { await stuck.run() } }
        await stuck.untilStarted()
        let cancelled = ContinuousClock.now
        caller.cancel()
        let outcome = await answer(of: Task { await caller.result }, within: .seconds(10))
        let result = try #require(outcome, "the caller still waited for the stuck work")
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(cancelled.duration(to: .now) >= .milliseconds(300))
        #expect(stuck.sawCancellation)
        stuck.release()
    }
}

private struct Failure: Error {}

/// Work that waits until released, whatever happens to its task, and notes whether it was cancelled.
private final class StuckWork: Sendable {
    private let state = Mutex<(started: Bool, release: CheckedContinuation<Void, Never>?, released: Bool)>((false, nil, false))
    private let cancelled = Atomic(false)

    var sawCancellation: Bool { cancelled.load(ordering: .acquiring) }

    func run() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    state.started = true
                    if state.released { return true }
                    state.release = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            cancelled.store(true, ordering: .releasing)
        }
    }

    func untilStarted() async {
        while !state.withLock({ $0.started }) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func release() {
        state.withLock { state in
            state.released = true
            let continuation = state.release
            state.release = nil
            return continuation
        }?.resume()
    }
}
