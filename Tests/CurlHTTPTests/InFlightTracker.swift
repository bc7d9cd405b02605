import Synchronization

/// Counts requests a test server is handling at once, to check a client's concurrency cap
/// from the side that cannot be fooled by the client's own bookkeeping.
final class InFlightTracker: Sendable {
    private let counts = Mutex((current: 0, maximum: 0))

    var current: Int { counts.withLock { $0.current } }
    var maximum: Int { counts.withLock { $0.maximum } }

    func enter() {
        counts.withLock {
            $0.current += 1
            $0.maximum = max($0.maximum, $0.current)
        }
    }

    func leave() {
        counts.withLock { $0.current -= 1 }
    }
}
