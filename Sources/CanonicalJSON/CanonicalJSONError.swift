/// Why a value has no RFC 8785 canonical form.
public enum CanonicalJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// NaN and the infinities have no JSON representation (RFC 8785 §3.2.2.3).
    case nonFiniteNumber

    public var description: String {
        switch self {
        case .nonFiniteNumber: "NaN and Infinity cannot be canonicalized (RFC 8785 §3.2.2.3)"
        }
    }
}
