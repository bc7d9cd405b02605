import Synchronization

/// Rung by every commit that wrote events, so the sender looks for work at once instead of at its
/// next poll; other instances' events it finds by polling.
package final class DeliveryBell: Sendable {
    private let rung = Mutex(false)

    package func ring() { rung.withLock { $0 = true } }

    /// Returns once rung (clearing it) or after `timeout`, whichever is first.
    package func wait(upTo timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if rung.withLock({ was in defer { was = false }; return was }) { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
