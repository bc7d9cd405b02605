import Foundation
import Hummingbird
import Logging
import SamtykkeCore
import ServiceLifecycle

/// RFC 8252 §7.3: the redirect of a native app's login, received on `http://127.0.0.1:<port>/` at a
/// port the system picks, for one login and only for as long as it takes.
enum LoopbackRedirect {
    /// Listens, hands `announce` the redirect URI (to build the login URL with and show it), and
    /// returns the query of the first request to `/` that carries this login's `state` (RFC 6749
    /// §10.12: an answer to another login, or a forged one, is never taken): the
    /// provider's answer. Any other request is answered and ignored, so another local process (or a
    /// web page probing loopback ports) cannot end the login by calling first. Nil when `timeout`
    /// passes first.
    static func receive(
        state: String, page: String, timeout: Duration, announce: @escaping @Sendable (_ redirectURI: String) async -> Void
    ) async throws -> [String: String]? {
        let (answers, answer) = AsyncStream.makeStream(of: [String: String]?.self)
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let router = Router()
        router.get("/") { request, _ -> Response in
            let query = FormURLEncoded.decode(request.uri.query ?? "")
            guard query["state"] == state else { return Response(status: .notFound) }
            answer.yield(query)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: page + "\n"))
            )
        }
        var logger = Logger(label: "samtykke.login")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "samtykke-login"),
            onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) }, logger: logger
        )
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { port.finish() }
                try await services.run()
            }
            var bound = ports.makeAsyncIterator()
            guard let listening = await bound.next() else {
                try await group.waitForAll()
                return nil
            }
            let timer = Task {
                await announce("http://127.0.0.1:\(listening)/")
                try await Task.sleep(for: timeout)
                answer.yield(nil)
            }
            defer { timer.cancel() }
            var received = answers.makeAsyncIterator()
            let result = await received.next() ?? nil
            // Graceful: the browser still gets its page, which is being written right now.
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }
}
