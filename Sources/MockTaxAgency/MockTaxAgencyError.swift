/// Why the mock tax agency could not be built. Each case renders as one line for the CLI's stderr.
public enum MockTaxAgencyError: Error, Sendable, Hashable, CustomStringConvertible {
    case fixtures(String)
    case tls(String)
    case brokerKeys(String)
    case faults(String)

    public var description: String {
        switch self {
        case .fixtures(let why): "fixtures: \(why)"
        case .tls(let why): "TLS: \(why)"
        case .brokerKeys(let why): "broker keys: \(why)"
        case .faults(let why): "faults: \(why)"
        }
    }
}
