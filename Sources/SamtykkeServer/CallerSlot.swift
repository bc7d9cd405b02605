import Synchronization

/// One request's authenticated caller, by reference: request contexts are values, copied at
/// every middleware, and the outermost one must see what an inner one learned.
final class CallerSlot: Sendable {
    private let storage = Mutex<Caller?>(nil)

    var value: Caller? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
