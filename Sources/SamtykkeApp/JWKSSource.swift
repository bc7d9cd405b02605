import CurlHTTP
import SamtykkeJOSE

/// Where the ID provider's JWKS comes from: a local file, or an https URL fetched with libcurl on
/// each reload.
///
/// Those keys decide who is a citizen, so a URL must be https: keys fetched over plain HTTP are
/// whatever anyone on the path wants them to be. Anything with a scheme is a URL.
public enum JWKSSource: Sendable, Hashable {
    case file(String)
    case url(String)

    public init(_ text: String) throws(JWKSSourceError) {
        guard text.contains("://") else {
            self = .file(text)
            return
        }
        guard text.lowercased().hasPrefix("https://") else { throw .notHTTPS(text) }
        self = .url(text)
    }

    public func loader() -> @Sendable () async throws -> String {
        switch self {
        case .file(let path):
            return { try KeyFiles.read(path) }
        case .url(let url):
            // https only here too: the scheme was checked, and libcurl is told so as well.
            let client = CurlClient(configuration: CurlClientConfiguration(
                connectTimeout: .seconds(3), totalTimeout: .seconds(10), tls: nil,
                maxConcurrentRequests: 2, allowedProtocols: .https, userAgent: "samtykke"
            ))
            return {
                let response = try await client.execute(CurlRequest.get(url))
                guard response.status == 200 else { throw JWKSSourceError.status(url: url, status: response.status) }
                return String(decoding: response.body, as: UTF8.self)
            }
        }
    }
}

public enum JWKSSourceError: Error, Hashable, CustomStringConvertible {
    case notHTTPS(String)
    case status(url: String, status: Int)

    public var description: String {
        switch self {
        case .notHTTPS(let text): "must be an https URL or a file, not \(text)"
        case .status(let url, let status): "\(url) answered \(status)"
        }
    }
}
