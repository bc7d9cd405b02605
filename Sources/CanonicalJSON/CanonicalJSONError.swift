/// Why a value has no RFC 8785 canonical form.
public enum CanonicalJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// NaN and the infinities have no JSON representation (RFC 8785 §3.2.2.3).
    case nonFiniteNumber
    /// An integer beyond what every reader gets back exactly (`JSONValue.init(integer:)`).
    case inexactInteger(Int)

    public var description: String {
        switch self {
        case .nonFiniteNumber: "NaN and Infinity cannot be canonicalized (RFC 8785 §3.2.2.3)"
        case .inexactInteger(let integer): "\(integer) is beyond ±(2^53 − 1), the integers a JSON number carries exactly (RFC 7493 §2.2)"
        }
    }
}
