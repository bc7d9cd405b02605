import Crypto
import Foundation

/// The two clients the dev provider knows (SPEC §2b): the broker, confidential, authenticating
/// with `client_secret_basic`; and the CLI, public (RFC 8252), which must use PKCE instead.
struct OpenIDClient: Sendable, Hashable {
    static let brokerID = "samtykke-broker"
    static let cliID = "samtykke-cli"

    let id: String
    /// nil for a public client.
    let secret: String?

    var isPublic: Bool { secret == nil }

    /// Whether `given` is this client's secret, compared in constant time (as digests of equal length).
    func accepts(secret given: String) -> Bool {
        guard let secret else { return false }
        return SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(secret.utf8))
    }
}

/// Both clients, by id.
struct OpenIDClients: Sendable {
    let all: [String: OpenIDClient]

    init(brokerSecret: String) {
        all = [
            OpenIDClient.brokerID: OpenIDClient(id: OpenIDClient.brokerID, secret: brokerSecret),
            OpenIDClient.cliID: OpenIDClient(id: OpenIDClient.cliID, secret: nil),
        ]
    }

    subscript(id: String) -> OpenIDClient? { all[id] }
}

/// A redirect URI the dev provider sends codes to: http or https on a loopback host (RFC 8252 §7.3:
/// any port), no fragment. Nothing else is ever redirected to, so the provider cannot be made to
/// carry a code (or a person) off the machine.
struct LoopbackRedirect: Sendable, Hashable {
    let uri: String
    private let components: URLComponents

    static let loopbackHosts: Set<String> = ["127.0.0.1", "::1", "[::1]", "localhost"]

    init?(_ uri: String) {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host?.lowercased(), Self.loopbackHosts.contains(host), components.fragment == nil,
              components.user == nil, components.password == nil
        else { return nil }
        self.uri = uri
        self.components = components
    }

    /// The URI with `items` added to its query.
    func adding(_ items: [URLQueryItem]) -> String {
        var target = components
        target.queryItems = (components.queryItems ?? []) + items
        // URLComponents leaves `+` alone in a query, where a form decoder reads a space.
        target.percentEncodedQuery = target.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return target.string ?? uri
    }
}
