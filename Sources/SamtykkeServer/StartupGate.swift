import Synchronization

/// Opens once the store is prepared (migrations ran): background work waits here, so nothing touches
/// a table before it exists. (A statement that failed to prepare on a pooled connection would fail
/// there again, so "retry later" is not enough.)
final class StartupGate: Sendable {
    private let isOpen = Atomic<Bool>(false)

    func open() {
        isOpen.store(true, ordering: .releasing)
    }

    /// Returns when the gate opens, or when the task is cancelled (start-up failed, or shutdown).
    func wait() async {
        while !isOpen.load(ordering: .acquiring), !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
