import ArgumentParser
import CurlHTTP

/// Where a JWKS comes from: a local file, or an https URL fetched with libcurl on each reload.
///
/// The ID provider's keys decide who is a citizen, so a URL must be https: keys fetched over plain
/// HTTP are whatever anyone on the path wants them to be. Anything with a scheme is a URL.
enum JWKSSource {
    static func isURL(_ source: String) -> Bool { source.contains("://") }

    /// Refuses a URL that is not https; a file path is fine.
    static func validate(_ source: String) throws {
        guard isURL(source), !source.lowercased().hasPrefix("https://") else { return }
        throw ValidationError("--id-jwks must be an https URL or a file, not \(source)")
    }

    static func loader(_ source: String) -> @Sendable () async throws -> String {
        guard isURL(source) else {
            return { try KeyFiles.read(source) }
        }
        // https only here too, so a URL that was never validated still cannot go out in the clear.
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(3), totalTimeout: .seconds(10), tls: nil,
            maxConcurrentRequests: 2, allowedProtocols: .https, userAgent: "samtykke"
        ))
        return {
            let response = try await client.execute(CurlRequest.get(source))
            guard response.status == 200 else { throw CLIError("\(source) answered \(response.status)") }
            return String(decoding: response.body, as: UTF8.self)
        }
    }
}
