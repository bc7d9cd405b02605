import AgencyClient

extension AgencyError {
    /// `reason` with the status code folded away: a metric label must come from a small fixed set.
    var metricReason: String {
        switch self {
        case .status: "agency-status"
        default: reason
        }
    }

    static let metricReasons = ["agency-tls", "agency-timeout", "agency-unreachable", "agency-status", "agency-person-unknown", "agency-malformed-body"]

    /// Whether the agency itself is failing, as opposed to answering that it has nothing for a person.
    var isOutage: Bool {
        switch self {
        case .personUnknown: false
        case .status(let code, _): code >= 500
        default: true
        }
    }
}
