import SamtykkeCore

/// What a citizen can do to a consent that names them: the last segment of its route
/// (`POST /v1/me/consents/{id}/grant`).
public enum CitizenAction: String, Sendable, Hashable, CaseIterable {
    case grant, deny, revoke
}

extension CitizenAction {
    /// The log entry the answer writes.
    public var entryType: AuditEntry.EntryType {
        switch self {
        case .grant: .consentGranted
        case .deny: .consentDenied
        case .revoke: .consentRevoked
        }
    }
}
