import SamtykkeCore

/// Whose consents a query may see: a bank its own requests, a citizen those that name them.
public enum Viewer: Sendable, Hashable {
    case bank(OrgNumber)
    case citizen(PersonID)
}
