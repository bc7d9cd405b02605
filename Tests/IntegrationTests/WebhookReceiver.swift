import DevPKI
import Foundation
import ChildProcess
import TestSupport

/// `scripts/webhook-receiver` as a child process: a bank's HTTPS endpoint under its own CA that
/// verifies every delivery with the `standardwebhooks` Python library, not with the broker's code.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let path: String
        let id: String
        let timestamp: String
        let verified: Bool
        /// Every secret trusted for its path that verifies it.
        let verifiedWith: [String]
        let type: String?
        let consentId: String?
        let status: String?
        let logIndex: Int?
        /// How the receiver was told to answer it.
        let mode: String
        /// The W3C trace context the broker sent with it, if any.
        let traceparent: String?
    }

    let state: URL
    /// The receiver's own CA: the broker trusts it only through `--webhook-ca`.
    let pki: PKIPaths
    private let server: ServerProcess

    /// The address it listens on: 127.0.0.1, or ::1 for an IPv6 target.
    let host: String

    private init(in dir: URL, host: String) async throws {
        self.host = host
        state = dir.appendingPathComponent("receiver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let pkiDirectory = dir.appendingPathComponent("receiver-pki")
        pki = FileManager.default.fileExists(atPath: PKIPaths(directory: pkiDirectory).caCertificate.path)
            ? PKIPaths(directory: pkiDirectory) : try await TestPKI.copyOfOther(at: pkiDirectory)
        server = ServerProcess(
            name: "webhook receiver", executable: try await TestPython.executable.path,
            arguments: [
                Package.root.appendingPathComponent("scripts/webhook-receiver").path,
                "--cert", pki.agencyCertificate.path, "--key", pki.agencyKey.path, "--state", state.path, "--host", host,
            ]
        )
    }

    /// A receiver for `body`, always stopped afterwards; `body` starts it when it should listen.
    static func with<T>(in dir: URL, host: String = "127.0.0.1", _ body: (WebhookReceiver) async throws -> T) async throws -> T {
        let receiver = try await WebhookReceiver(in: dir, host: host)
        return try await withCleanup { try await body(receiver) } cleanup: { await receiver.stop() }
    }

    var caFile: String { pki.caCertificate.path }

    /// Known once the receiver has first listened: it picks a free port then, and keeps it across restarts.
    func url(_ path: String = "/hook") -> String { "https://\(host.contains(":") ? "[\(host)]" : host):\(server.port)\(path)" }

    /// Starts (or restarts) the receiver and waits until it listens.
    func start() async throws {
        try server.start()
        try await server.waitUntilListening()
    }

    func stop() async {
        await server.stop()
    }

    /// Deliveries to `path` verify with `secret` (the last one trusted for it); `verifiedWith` tells of each one trusted before too.
    func trust(secret: String, for path: String) throws {
        let file = state.appendingPathComponent("secrets")
        let existing = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        try (existing + "\(path) \(secret)\n").write(to: file, atomically: true, encoding: .utf8)
    }

    /// `ok`, `status CODE [RETRY-AFTER]`, `hang SECONDS`, `redirect URL` or `stream`: how the next
    /// requests are answered; lines `PATH MODE` answer one path alone (scripts/webhook-receiver).
    func answer(_ mode: String) throws {
        try mode.write(to: state.appendingPathComponent("mode"), atomically: true, encoding: .utf8)
    }

    func received() -> [Received] {
        guard let text = try? String(contentsOf: state.appendingPathComponent("received.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            let event = object["event"] as? [String: Any]
            let data = event?["data"] as? [String: Any]
            return Received(
                path: object["path"] as? String ?? "", id: object["id"] as? String ?? "", timestamp: object["timestamp"] as? String ?? "",
                verified: object["verified"] as? Bool ?? false, verifiedWith: object["verifiedWith"] as? [String] ?? [], type: event?["type"] as? String, consentId: data?["consentId"] as? String,
                status: data?["status"] as? String, logIndex: data?["logIndex"] as? Int, mode: object["mode"] as? String ?? "",
                traceparent: object["traceparent"] as? String
            )
        }
    }

    /// Waits until `condition` holds for what arrived, or fails after `timeout`.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: ([Received]) -> Bool) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = received()
            if condition(received) { return received }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError("the receiver never saw \(what); it got \(received().map { "\($0.path) \($0.id) \($0.type ?? "?")" })")
    }
}
