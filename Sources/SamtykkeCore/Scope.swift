/// A kind of tax data a citizen can consent to share.
public enum Scope: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case income
    case debt
    case wealth

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}
