import CurlHTTP
import Foundation
import SamtykkeCore

/// The HTTP client banks, citizens and auditors talk to the broker with, on the same libcurl layer
/// the broker uses for the agency.
public struct BrokerClient: Sendable {
    public let server: String
    public let credential: String?
    /// A bank on the key flow: each call carries its DPoP-bound token and a fresh proof.
    public let session: BankKeySession?
    private let client: CurlClient

    public init(server: String, credential: String?) {
        self.init(server: server, credential: credential, session: nil)
    }

    public init(server: String, session: BankKeySession) {
        self.init(server: server, credential: nil, session: session)
    }

    private init(server: String, credential: String?, session: BankKeySession?) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credential = credential
        self.session = session
        self.client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(5), totalTimeout: .seconds(60), tls: nil,
            maxConcurrentRequests: 4, allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-cli"
        ))
    }

    /// The problem document the broker sends with every error.
    public struct Problem: Decodable, Error, CustomStringConvertible {
        public let status: Int
        public let title: String
        public let detail: String?
        public let field: String?
        /// With a 410: how and when a consent the retention period removed had ended.
        public let consent: Remains?

        public struct Remains: Decodable, Sendable {
            public let status: ConsentStatus
            public let endedAt: String
        }

        public var description: String {
            var line = "\(status) \(title)"
            if let field { line += " (\(field))" }
            if let detail { line += ": \(detail)" }
            return line
        }
    }

    /// How often a request the broker turned away for the caller's rate (429) is sent again.
    static let rateLimitedRetries = 10

    /// Sends a request and returns the body of a 2xx answer; anything else throws a `Problem` when
    /// the broker sent one, a `BrokerClientError` otherwise.
    ///
    /// A 429 is waited out (its `Retry-After`, at most 30 s) and the request sent again: the broker
    /// answers it before doing anything, and an audit of a large log sends thousands of requests.
    public func send(_ method: String, _ path: String, json body: [UInt8]? = nil, headers: [CurlHeader] = []) async throws -> [UInt8] {
        var all = headers
        if let credential { all.append(CurlHeader(name: "Authorization", value: "Bearer \(credential)")) }
        if body != nil { all.append(CurlHeader(name: "Content-Type", value: "application/json")) }
        var response: CurlResponse
        var retries = 0
        repeat {
            // A proof is good for one request: a retry signs a new one.
            let signed = try await session?.headers(method: method, url: server + path) ?? []
            do {
                response = try await client.execute(CurlRequest(method: method, url: server + path, headers: all + signed, body: body))
            } catch {
                throw BrokerClientError.unreachable(server: server, cause: error)
            }
            guard response.status == 429, retries < Self.rateLimitedRetries else { break }
            retries += 1
            try await Task.sleep(for: .seconds(min(30, max(1, response.header(named: "Retry-After").flatMap(Int.init) ?? 1))))
        } while true
        guard (200..<300).contains(response.status) else {
            if let problem = try? JSONDecoder().decode(Problem.self, from: Data(response.body)) { throw problem }
            throw BrokerClientError.status(response.status)
        }
        return response.body
    }

    public func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        try Self.decode(try await send("GET", path), as: T.self)
    }

    public func post<T: Decodable>(_ path: String, body: [UInt8]? = nil, as type: T.Type) async throws -> T {
        try Self.decode(try await send("POST", path, json: body), as: T.self)
    }

    public static func decode<T: Decodable>(_ body: [UInt8], as type: T.Type) throws(BrokerClientError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw .unreadable(cause: error)
        }
    }
}
