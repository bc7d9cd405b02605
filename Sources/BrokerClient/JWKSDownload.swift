import CurlHTTP

/// A broker's published keys (`/.well-known/jwks.json`), fetched once for checking bundles.
public enum JWKSDownload {
    public static func fetch(_ url: String) async throws(JWKSDownloadError) -> String {
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(5), totalTimeout: .seconds(30), tls: nil,
            maxConcurrentRequests: 1, allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-cli"
        ))
        let response: CurlResponse
        do {
            response = try await client.execute(CurlRequest(method: "GET", url: url, headers: [], body: nil))
        } catch {
            throw .unreachable(url: url, cause: error)
        }
        guard response.status == 200 else { throw .status(url: url, status: response.status) }
        return String(decoding: response.body, as: UTF8.self)
    }
}

public enum JWKSDownloadError: Error, CustomStringConvertible {
    case unreachable(url: String, cause: any Error)
    case status(url: String, status: Int)

    public var description: String {
        switch self {
        case .unreachable(let url, let cause): "cannot fetch the JWKS from \(url): \(cause)"
        case .status(let url, let status): "fetching the JWKS from \(url) answered \(status)"
        }
    }
}
