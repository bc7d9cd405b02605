public import NIOPosix
import Synchronization

/// An HTTP(S) client on libcurl's easy interface, shared by the broker and the CLI.
///
/// Each request checks an easy handle out of a pool, so the connections and TLS sessions a
/// handle keeps serve later requests. At most `maxConcurrentRequests` run at once and
/// further callers wait their turn. The blocking transfer runs on a thread pool, never on a
/// NIO event loop or Swift's cooperative pool, where it would stall unrelated work.
///
/// By default the client owns a pool with one thread per permitted request: sharing NIO's
/// singleton pool (one thread per core) would cap real concurrency at the core count and let one
/// client's slow transfers starve every other user of that pool.
public final class CurlClient: Sendable {
    public let configuration: CurlClientConfiguration
    private let threadPool: NIOThreadPool
    private let ownsThreadPool: Bool
    let permits: AsyncSemaphore
    /// Last in, first out, so sequential traffic keeps reusing the warmest connection.
    /// Releasing the client releases these, and each handle's deinit closes its connections.
    private let idleHandles = Mutex<[CurlEasyHandle]>([])

    public init(configuration: CurlClientConfiguration, threadPool: NIOThreadPool? = nil) {
        precondition(configuration.maxConcurrentRequests > 0, "maxConcurrentRequests must be at least 1")
        self.configuration = configuration
        if let threadPool {
            self.threadPool = threadPool
            ownsThreadPool = false
        } else {
            self.threadPool = NIOThreadPool(numberOfThreads: configuration.maxConcurrentRequests)
            self.threadPool.start()
            ownsThreadPool = true
        }
        permits = AsyncSemaphore(permits: configuration.maxConcurrentRequests)
    }

    deinit {
        // Non-blocking: the last reference may be dropped on one of the pool's own threads.
        if ownsThreadPool { threadPool.shutdownGracefully { _ in } }
    }

    /// Returns every response that arrives, whatever its status; only a failure to get one
    /// throws, as `CurlError`. Cancellation throws `CancellationError` while the request is
    /// still waiting for a slot or a thread; a transfer already running finishes or times out.
    public func execute(_ request: CurlRequest) async throws -> CurlResponse {
        try await permits.acquire()
        defer { permits.release() }
        let handle = try idleHandles.withLock { $0.popLast() } ?? CurlEasyHandle(origin: request.origin)
        defer { idleHandles.withLock { $0.append(handle) } }
        let configuration = configuration
        return try await threadPool.runIfActive {
            try handle.perform(request, configuration: configuration)
        }
    }
}
