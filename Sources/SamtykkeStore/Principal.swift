import SamtykkeCore

/// Who an API key belongs to.
public enum Principal: Sendable, Hashable {
    case bank(OrgNumber)
    case auditor(name: String)
}
