import Hummingbird
import HummingbirdTLS
import NIOSSL

/// An in-process Hummingbird server on 127.0.0.1 and an OS-chosen port, with the routes
/// the client tests exercise.
struct TestServer: Sendable {
    let port: Int
    let inFlight: InFlightTracker

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }
    private let scheme: String

    /// Runs `body` while the server is up and stops the server when `body` returns.
    @discardableResult
    static func run<T>(tls: TLSConfiguration? = nil, _ body: (TestServer) async throws -> T) async throws -> T {
        let inFlight = InFlightTracker()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var app = Application(
            router: makeRouter(inFlight: inFlight),
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }
        )
        // Cancelling the server at the end of a test logs errors that are expected.
        app.logger.logLevel = .critical
        return try await withThrowingTaskGroup(of: Void.self) { [app] group in
            group.addTask {
                defer { portContinuation.finish() }
                // No signal handlers: several servers run at once inside one test process.
                try await app.runService(gracefulShutdownSignals: [])
            }
            defer { group.cancelAll() }
            guard let port = await ports.first(where: { _ in true }) else {
                try await group.next()
                throw ServerDidNotStart()
            }
            return try await body(TestServer(port: port, inFlight: inFlight, scheme: tls == nil ? "http" : "https"))
        }
    }

    private static func makeRouter(inFlight: InFlightTracker) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("hello") { _, _ in "hello" }
        router.post("echo", use: echo)
        router.put("echo", use: echo)
        router.get("status/:code") { _, context in
            Response(status: .init(code: try context.parameters.require("code", as: Int.self)))
        }
        router.get("slow/:milliseconds") { _, context -> String in
            inFlight.enter()
            defer { inFlight.leave() }
            try await Task.sleep(for: .milliseconds(try context.parameters.require("milliseconds", as: Int.self)))
            return "late"
        }
        router.get("bytes/:count") { _, context in
            let count = try context.parameters.require("count", as: Int.self)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "a"), count: count)))
        }
        return router
    }

    /// Returns the body as sent and reports what the server saw in `X-Echo-*` headers.
    @Sendable private static func echo(request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 4 << 20)
        let test = request.headers.first { $0.name.canonicalName == "x-test" }?.value ?? ""
        let contentType = request.headers.first { $0.name.canonicalName == "content-type" }?.value ?? ""
        let expect = request.headers.first { $0.name.canonicalName == "expect" }?.value ?? "none"
        return Response(
            status: .ok,
            headers: [
                .init("X-Echo-Method")!: request.method.rawValue,
                .init("X-Echo-Test")!: test,
                .init("X-Echo-Content-Type")!: contentType,
                .init("X-Echo-Expect")!: expect,
            ],
            body: .init(byteBuffer: body)
        )
    }

    struct ServerDidNotStart: Error {}
}
