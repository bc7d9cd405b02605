import Dispatch
import Synchronization

/// An HTTP(S) client on libcurl's easy interface, shared by the broker and the CLI.
///
/// Each request checks an easy handle out of a pool, so the connections and TLS sessions a
/// handle keeps serve later requests. At most `maxConcurrentRequests` run at once and
/// further callers wait their turn. The blocking transfer runs on its handle's serial dispatch
/// queue, never on a NIO event loop or on the threads Swift's tasks share, where it would stall
/// unrelated work.
///
/// Serial queues draw threads from libdispatch's overcommit pool, made when a transfer needs one
/// and reused while busy: a client costs no threads until it is used. A thread pool per client, as
/// before, started `maxConcurrentRequests` threads for every client a process made, some 2,500 in
/// a full test run, and blocked the creating task while they started.
public final class CurlClient: Sendable {
    public let configuration: CurlClientConfiguration
    let permits: AsyncSemaphore
    /// Last in, first out, so sequential traffic keeps reusing the warmest connection.
    /// Releasing the client releases these, and each handle's deinit closes its connections.
    private let idleHandles = Mutex<[CurlEasyHandle]>([])

    public init(configuration: CurlClientConfiguration) {
        precondition(configuration.maxConcurrentRequests > 0, "maxConcurrentRequests must be at least 1")
        self.configuration = configuration
        permits = AsyncSemaphore(permits: configuration.maxConcurrentRequests)
    }

    /// Returns every response that arrives, whatever its status; only a failure to get one
    /// throws, as `CurlError`. Cancellation throws `CancellationError` while the request is
    /// still waiting for a slot; a transfer already running finishes or times out.
    public func execute(_ request: CurlRequest) async throws -> CurlResponse {
        let request = request.propagatingCurrentTrace()
        try await permits.acquire()
        defer { permits.release() }
        let handle = try idleHandles.withLock { $0.popLast() } ?? CurlEasyHandle(origin: request.origin)
        defer { idleHandles.withLock { $0.append(handle) } }
        let configuration = configuration
        return try await withCheckedThrowingContinuation { continuation in
            handle.queue.async { continuation.resume(with: Result { try handle.perform(request, configuration: configuration) }) }
        }
    }
}
