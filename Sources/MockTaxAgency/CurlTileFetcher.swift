import CurlHTTP
import LogRelease

/// The agency's monitor reading the broker's public log (C2SP tlog-tiles) with libcurl. Nothing it
/// answers is trusted: the monitor checks every byte against a checkpoint signed with the log's key.
public struct CurlTileFetcher: TileFetcher {
    /// The tiles' base, `<broker>/v1/audit/tlog`, without a trailing slash.
    public let base: String
    private let http: CurlClient

    /// An entry bundle of 256 entries is tens of kilobytes; a log that serves more is not answered.
    public static let maximumBytes = 1024 * 1024

    /// `caFile`: trust roots for an https log beside the system's; none for http.
    public init(base: String, caFile: String? = nil) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        http = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(3), totalTimeout: .seconds(10), tls: caFile.map { CurlTLSConfiguration(caFile: $0) },
            allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-mock-tax-agency", maxResponseBytes: Self.maximumBytes
        ))
    }

    public func fetch(_ path: String) async throws -> [UInt8]? {
        let response = try await http.execute(.get(base + "/" + path))
        switch response.status {
        case 200: return response.body
        case 404: return nil
        default: throw TileFetchError(path: path, status: response.status)
        }
    }
}

struct TileFetchError: Error, CustomStringConvertible {
    let path: String
    let status: Int

    var description: String { "the log answered \(status) for \(path)" }
}
