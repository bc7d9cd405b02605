import CurlHTTP
import Foundation

/// The CLI's HTTP client for the broker, on the same libcurl layer the broker uses for the agency.
struct BrokerClient: Sendable {
    let server: String
    let credential: String?
    private let client: CurlClient

    init(server: String, credential: String?) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credential = credential
        self.client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(5), totalTimeout: .seconds(60), tls: nil,
            maxConcurrentRequests: 4, allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-cli"
        ))
    }

    /// The problem document the broker sends with every error.
    struct Problem: Decodable, Error, CustomStringConvertible {
        let status: Int
        let title: String
        let detail: String?
        let field: String?

        var description: String {
            var line = "\(status) \(title)"
            if let field { line += " (\(field))" }
            if let detail { line += ": \(detail)" }
            return line
        }
    }

    /// How often a request the broker turned away for the caller's rate (429) is sent again.
    static let rateLimitedRetries = 10

    /// Sends a request and returns the body of a 2xx answer; anything else becomes a one-line error.
    ///
    /// A 429 is waited out (its `Retry-After`, at most 30 s) and the request sent again: the broker
    /// answers it before doing anything, and an audit of a large log sends thousands of requests.
    func send(_ method: String, _ path: String, json body: [UInt8]? = nil, headers: [CurlHeader] = []) async throws -> [UInt8] {
        var all = headers
        if let credential { all.append(CurlHeader(name: "Authorization", value: "Bearer \(credential)")) }
        if body != nil { all.append(CurlHeader(name: "Content-Type", value: "application/json")) }
        var response: CurlResponse
        var retries = 0
        repeat {
            do {
                response = try await client.execute(CurlRequest(method: method, url: server + path, headers: all, body: body))
            } catch {
                throw CLIError("cannot reach the broker at \(server): \(error)")
            }
            guard response.status == 429, retries < Self.rateLimitedRetries else { break }
            retries += 1
            try await Task.sleep(for: .seconds(min(30, max(1, response.header(named: "Retry-After").flatMap(Int.init) ?? 1))))
        } while true
        guard (200..<300).contains(response.status) else {
            if let problem = try? JSONDecoder().decode(Problem.self, from: Data(response.body)) { throw problem }
            throw CLIError("the broker answered \(response.status)")
        }
        return response.body
    }

    func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        try Self.decode(try await send("GET", path), as: T.self)
    }

    func post<T: Decodable>(_ path: String, body: [UInt8]? = nil, as type: T.Type) async throws -> T {
        try Self.decode(try await send("POST", path, json: body), as: T.self)
    }

    static func decode<T: Decodable>(_ body: [UInt8], as type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw CLIError("the broker's answer could not be read: \(error)")
        }
    }
}
