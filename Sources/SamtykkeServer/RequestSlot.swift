import Synchronization

/// Something one request's middleware learns, by reference: request contexts are values, copied at
/// every middleware, and the outermost one must see what an inner one learned (the caller, headers
/// for the answer).
final class RequestSlot<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ initial: Value) {
        storage = Mutex(initial)
    }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
