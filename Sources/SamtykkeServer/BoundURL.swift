import Synchronization

/// `http://HOST:PORT` once the server has bound its port: the public URL when `--public-url` is not
/// given (port 0 picks the port only at bind time).
final class BoundURL: Sendable {
    private let storage = Mutex<String?>(nil)

    var value: String? { storage.withLock { $0 } }

    func set(host: String, port: Int) {
        let host = host.contains(":") ? "[\(host)]" : host
        storage.withLock { $0 = "http://\(host):\(port)" }
    }
}
