import CurlHTTP
import SamtykkeJOSE

/// Where a JWKS comes from: a local file, or a URL fetched with libcurl on each load. The one way
/// the broker reads its ID provider's keys and a bank reads a broker's.
///
/// A URL given by a user must be https: the ID provider's keys decide who is a citizen and a
/// broker's decide which bundles are real, and keys fetched over plain HTTP are whatever anyone on
/// the path wants them to be. Only the demo, which runs its own broker on 127.0.0.1, reads a
/// `.url` over http. Anything with a scheme is a URL.
public enum JWKSSource: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case url(String, plainHTTPAllowed: Bool)

    /// The file or URL, as the user named it.
    public var description: String {
        switch self {
        case .file(let path): path
        case .url(let url, _): url
        }
    }

    public init(_ text: String) throws(JWKSSourceError) {
        guard text.contains("://") else {
            self = .file(text)
            return
        }
        let lowercased = text.lowercased()
        guard lowercased.hasPrefix("https://") else { throw .notHTTPS(text) }
        self = .url(text, plainHTTPAllowed: false)
    }

    public func loader() -> @Sendable () async throws -> String {
        switch self {
        case .file(let path):
            return { try KeyFiles.read(path) }
        case .url(let url, let plainHTTPAllowed):
            // The scheme was checked, and libcurl is told so as well.
            let client = CurlClient(configuration: CurlClientConfiguration(
                connectTimeout: .seconds(3), totalTimeout: .seconds(10), tls: nil,
                maxConcurrentRequests: 2, allowedProtocols: plainHTTPAllowed ? .httpAndHTTPS : .https, userAgent: "samtykke"
            ))
            return {
                let response: CurlResponse
                do {
                    response = try await client.execute(CurlRequest.get(url))
                } catch {
                    throw JWKSSourceError.unreachable(url: url, cause: "\(error)")
                }
                guard response.status == 200 else { throw JWKSSourceError.status(url: url, status: response.status) }
                return String(decoding: response.body, as: UTF8.self)
            }
        }
    }
}

public enum JWKSSourceError: Error, Hashable, CustomStringConvertible {
    case notHTTPS(String)
    case unreachable(url: String, cause: String)
    case status(url: String, status: Int)

    public var description: String {
        switch self {
        case .notHTTPS(let text): "must be an https URL or a file, not \(text)"
        case .unreachable(let url, let cause): "cannot fetch the JWKS from \(url): \(cause)"
        case .status(let url, let status): "fetching the JWKS from \(url) answered \(status)"
        }
    }
}
