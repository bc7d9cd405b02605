import Foundation
import Synchronization
import Testing

/// Every test of this target starts servers, processes or TLS stacks. Swift Testing starts all the
/// tests of every suite at once, so on CI's two cores some two hundred stacks ran side by side
/// (the summed test durations were 200 times the run's length), and a TLS handshake or a readiness
/// probe that takes a millisecond alone took seconds: past the real deadlines the product has (the
/// agency's connect timeout, a health check's answer), and tests failed for the machine, not the
/// code. A suite marked `.heavy` runs each test only while fewer than `HeavySlots.width` heavy tests
/// run; the rest wait without holding a thread. The deadlines under test stay what they are.
struct HeavyTrait: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    /// Each case on its own: the cases of a parameterized test run side by side otherwise.
    func scopeProvider(for test: Test, testCase: Test.Case?) -> HeavyTrait? {
        // A suite is asked before its tests run; its tests carry none of its traits.
        if test.isSuite, test.traits.contains(where: { $0 is ParallelizationTrait }) {
            HeavySlots.serializedSuites.withLock { _ = $0.insert(test.id) }
        }
        return testCase == nil ? nil : self
    }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // A test that starts another's stack inside its own holds one slot for both.
        if HeavySlots.held { return try await function() }
        // A serialized suite's tests queue one after another: put behind every other test each
        // time, its chain would finish last with the cores idle around it.
        let serialized = HeavySlots.serializedSuites.withLock { suites in sequence(first: test.id, next: \.parent).contains(where: suites.contains) }
        await HeavySlots.shared.acquire(first: serialized)
        do {
            try await HeavySlots.$held.withValue(true) { try await function() }
        } catch {
            await HeavySlots.shared.release()
            throw error
        }
        await HeavySlots.shared.release()
    }
}

extension Trait where Self == HeavyTrait {
    /// Starts servers or processes: runs while only a few others like it do.
    static var heavy: HeavyTrait { HeavyTrait() }
}

/// A counting semaphore for heavy tests: the next of a serialized suite first, then first come
/// first served.
actor HeavySlots {
    /// Three per core: enough that tests waiting on a timer (a slow agency, a retry backoff) leave
    /// the cores busy, few enough that a burst of handshakes finishes in its deadline.
    /// `SAMTYKKE_TEST_HEAVY_WIDTH` overrides it.
    static let width = ProcessInfo.processInfo.environment["SAMTYKKE_TEST_HEAVY_WIDTH"].flatMap(Int.init).map { max(1, $0) }
        ?? 3 * ProcessInfo.processInfo.activeProcessorCount
    static let shared = HeavySlots(width: width)
    @TaskLocal static var held = false
    static let serializedSuites = Mutex<Set<Test.ID>>([])

    private var free: Int
    private var waitingFirst: [CheckedContinuation<Void, Never>] = []
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { free = width }

    func acquire(first: Bool) async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation {
            if first { waitingFirst.append($0) } else { waiting.append($0) }
        }
    }

    func release() {
        if !waitingFirst.isEmpty {
            waitingFirst.removeFirst().resume()
        } else if !waiting.isEmpty {
            waiting.removeFirst().resume()
        } else {
            free += 1
        }
    }
}
