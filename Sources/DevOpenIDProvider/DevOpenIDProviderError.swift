/// Why the dev ID provider cannot start. Each renders as one line for the CLI's stderr.
public enum DevOpenIDProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// It is a development tool: without a dev PKI (`samtykke dev pki`) there is nothing to sign with.
    case noDevPKI(directory: String, missing: String)
    case unreadable(String)
    case fixtures(String)
    case tls(String)

    public var description: String {
        switch self {
        case .noDevPKI(let directory, let missing):
            "the dev ID provider runs only on a dev PKI, and \(directory) is not one (no \(missing)): make one with `samtykke dev pki --out \(directory)` (--force to renew an old one)"
        case .unreadable(let reason): "the dev PKI cannot be read: \(reason)"
        case .fixtures(let reason): reason
        case .tls(let reason): reason
        }
    }
}
