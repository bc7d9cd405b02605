import Synchronization

/// One request's authenticated caller, by reference: request contexts are values, copied at
/// every middleware, and the outermost one must see what an inner one learned.
final class CallerSlot: Sendable {
    private let storage = Mutex<(caller: Caller?, credential: String?)>((nil, nil))

    var value: Caller? {
        get { storage.withLock { $0.caller } }
        set { storage.withLock { $0.caller = newValue } }
    }

    /// The kind of credential the caller showed (`api-key`, `dpop`, …), never the credential.
    var credential: String? {
        get { storage.withLock { $0.credential } }
        set { storage.withLock { $0.credential = newValue } }
    }
}
