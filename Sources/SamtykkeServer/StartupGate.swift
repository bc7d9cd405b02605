import Synchronization

/// Opens once the store is prepared (migrations ran): background work waits here, so nothing touches
/// a table before it exists. (A statement that failed to prepare on a pooled connection would fail
/// there again, so "retry later" is not enough.)
package final class StartupGate: Sendable {
    private let opened = Atomic<Bool>(false)
    private let refused = Mutex<String?>(nil)

    init(open: Bool = false) {
        opened.store(open, ordering: .releasing)
    }

    func open() {
        opened.store(true, ordering: .releasing)
    }

    var isOpen: Bool { opened.load(ordering: .acquiring) }

    /// The gate will not open: the store refused to prepare, for this reason.
    func refuse(_ reason: String) {
        refused.withLock { $0 = reason }
    }

    var refusal: String? { refused.withLock { $0 } }

    /// Returns when the gate opens, when the task is cancelled (start-up failed, or shutdown), or
    /// after `limit`; whether the gate is open.
    @discardableResult
    package func wait(upTo limit: Duration? = nil) async -> Bool {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while !isOpen, !Task.isCancelled, deadline.map({ ContinuousClock.now < $0 }) ?? true {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return isOpen
    }
}
