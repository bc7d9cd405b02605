/// Why the agency gave no usable answer, sorted by what the broker tells the bank.
public enum AgencyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The TLS handshake failed: wrong CA, no or refused client certificate, bad server certificate.
    case tls(String)
    /// No answer within the deadline.
    case timeout(String)
    /// The agency could not be reached or dropped the connection.
    case unreachable(String)
    /// The agency answered with an error status.
    case status(Int, String)
    /// The agency has no records for this person.
    case personUnknown
    /// The agency answered 200 with something that is not tax data for the person asked about.
    case malformedBody(String)

    public var description: String {
        switch self {
        case .tls(let why): "TLS with the tax agency failed: \(why)"
        case .timeout(let why): "the tax agency did not answer in time: \(why)"
        case .unreachable(let why): "the tax agency could not be reached: \(why)"
        case .status(let code, let why): "the tax agency answered \(code): \(why)"
        case .personUnknown: "the tax agency has no records for this person"
        case .malformedBody(let why): "the tax agency's answer was malformed: \(why)"
        }
    }

    /// A short machine-readable reason for the log's `bundle.refused` entry.
    public var reason: String {
        switch self {
        case .tls: "agency-tls"
        case .timeout: "agency-timeout"
        case .unreachable: "agency-unreachable"
        case .status(let code, _): "agency-status-\(code)"
        case .personUnknown: "agency-person-unknown"
        case .malformedBody: "agency-malformed-body"
        }
    }
}
