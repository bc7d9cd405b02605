/// Why the state file of an earlier `audit verify` run could not be used.
public enum AuditStateError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(String)
    case unwritable(path: String, reason: String)
    /// Several citizens' state files for one broker, and no subject key from it to tell which is whose.
    case ambiguous(paths: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot use the audit state \(path) (removing it means trusting the log anew on the next run): \(reason)"
        case .malformed(let reason):
            "the audit state is not valid: \(reason)"
        case .unwritable(let path, let reason):
            "cannot save the audit state \(path): \(reason)"
        case .ambiguous(let paths):
            "the broker keeps nothing about you any more, and several state files of this broker are here (\(paths.joined(separator: ", "))): name yours with --state"
        }
    }
}
