/// Why the state file of an earlier `audit verify` run could not be used.
public enum AuditStateError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot use the audit state \(path) (removing it means trusting the log anew on the next run): \(reason)"
        case .malformed(let reason):
            "the audit state is not valid: \(reason)"
        case .unwritable(let path, let reason):
            "cannot save the audit state \(path): \(reason)"
        }
    }
}
