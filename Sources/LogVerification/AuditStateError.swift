/// Why the state file of an earlier `audit verify` run could not be used.
public enum AuditStateError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(String)
    case unwritable(path: String, reason: String)
    /// A citizen's state kept with another subject key than the broker's for them now: another
    /// person's, or from before the broker forgot them and a later consent started a new key.
    case anotherSubjectKey

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot use the audit state \(path) (removing it means trusting the log anew on the next run): \(reason)"
        case .malformed(let reason):
            "the audit state is not valid: \(reason)"
        case .unwritable(let path, let reason):
            "cannot save the audit state \(path): \(reason)"
        case .anotherSubjectKey:
            "the state was kept with another subject key than the broker's for you: it is someone else's, or from before the broker forgot your consents (name another --state, or none)"
        }
    }
}
