import CurlHTTP
import Foundation
import Hummingbird
import Logging
import SamtykkeAPI
import SamtykkeServer
import ServiceLifecycle
import Synchronization

/// Runs the application `start` builds until `body` returns, handing `body` what the application
/// reported once it listened (its issuer or port), and always shuts it down gracefully.
func whileRunning<Value: Sendable, T>(
    logger: Logger,
    _ start: (@escaping @Sendable (Value) async -> Void) async throws -> some Service,
    _ body: (Value) async throws -> T
) async throws -> T {
    let (values, continuation) = AsyncStream.makeStream(of: Value.self)
    let service = try await start { continuation.yield($0) }
    let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = values.makeAsyncIterator()
        guard let value = await iterator.next() else {
            try await tasks.waitForAll()
            throw DemoError("a server of the demo did not start")
        }
        do {
            let result = try await body(value)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Who came back to the bank's page, each arrival's query.
final class BankArrivals: Sendable {
    let list = Mutex<[[String: String]]>([])
}

/// The bank's page the broker sends citizens back to (its registered redirect URI).
func bankReturnPage(logger: Logger, arrivals: BankArrivals, onServerRunning: @escaping @Sendable (Int) async -> Void) -> some Service {
    let router = Router()
    router.get("return") { request, _ -> String in
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        arrivals.list.withLock { $0.append(query) }
        return "Back at Demo Sparebank: consent \(query["consentId"] ?? "?") \(query["status"] ?? "?"). You may close this window."
    }
    return Application(
        router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "samtykke-demo-bank"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) }, logger: logger
    )
}

/// What the demo does in place of a browser when there is none: follows the hand-off over HTTP as a
/// browser would, one redirect at a time, keeping cookies, reading each form's hidden fields (the
/// provider's login form, the consent page's CSRF token) and pressing its button. The tests log in
/// at a provider with it too.
public struct DemoBrowser {
    private let client: CurlClient
    /// By name: every server here is on 127.0.0.1, and a browser does not tell cookies apart by port.
    private var cookies: [String: String] = [:]
    /// Each request, for the demo to show.
    public private(set) var trail: [String] = []

    public init(trustPEM: [UInt8]) {
        client = CurlClient(configuration: CurlClientConfiguration(
            tls: CurlTLSConfiguration(additionalTrustPEM: trustPEM), maxConcurrentRequests: 2, allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-demo"
        ))
    }

    /// Opens `url` and follows every 303/302 until a page (or `stop` matches the next address); returns the last answer and its URL.
    public mutating func open(_ url: String, form: [(String, String)]? = nil, until stop: (String) -> Bool = { _ in false }) async throws -> (url: String, page: String) {
        var (url, form) = (url, form)
        for _ in 0..<8 {
            var headers = [CurlHeader]()
            if !cookies.isEmpty { headers.append(CurlHeader(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))) }
            var body: [UInt8]?
            if let form {
                headers.append(CurlHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"))
                body = Array(form.map { "\($0.0)=\(formEncoded($0.1))" }.joined(separator: "&").utf8)
            }
            let answer = try await client.execute(CurlRequest(method: form == nil ? "GET" : "POST", url: url, headers: headers, body: body))
            trail.append("\(form == nil ? "GET" : "POST") \(url.prefix(90))\(url.count > 90 ? "…" : "") → \(answer.status)")
            for header in answer.headers where header.name.lowercased() == "set-cookie" { keep(header.value) }
            guard [302, 303].contains(answer.status), let location = answer.headers.first(where: { $0.name.lowercased() == "location" })?.value else {
                guard answer.status == 200 else { throw DemoError("\(url) answered \(answer.status)") }
                return (url, String(decoding: answer.body, as: UTF8.self))
            }
            let next = URL(string: location, relativeTo: URL(string: url))?.absoluteString ?? location
            if stop(next) { return (next, "") }
            (url, form) = (next, nil)
        }
        throw DemoError("too many redirects from \(url)")
    }

    private mutating func keep(_ setCookie: String) {
        let pair = setCookie.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
        guard pair.count == 2 else { return }
        let (name, value) = (String(pair[0]).trimmingCharacters(in: .whitespaces), String(pair[1]))
        if value.isEmpty || setCookie.lowercased().contains("max-age=0") { cookies[name] = nil } else { cookies[name] = value }
    }

    /// The page's first form: where it posts (resolved against `url`) and its hidden fields, with
    /// the values unescaped as a browser would.
    public static func firstForm(_ page: String, at url: String) throws -> (action: String, fields: [(String, String)]) {
        guard let start = page.range(of: "<form "), let end = page.range(of: "</form>", range: start.upperBound..<page.endIndex),
            let action = page[start.lowerBound..<end.lowerBound].firstMatch(of: /action="([^"]*)"/)
        else { throw DemoError("\(url) has no form") }
        let form = page[start.lowerBound..<end.lowerBound]
        let fields = form.matches(of: /<input type="hidden" name="([^"]*)" value="([^"]*)">/).map { (unescaped(String($0.1)), unescaped(String($0.2))) }
        let target = URL(string: unescaped(String(action.1)), relativeTo: URL(string: url))?.absoluteString ?? url
        return (target, fields)
    }

    private static func unescaped(_ text: String) -> String {
        [("&quot;", "\""), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")].reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }
}
