/// Why a token or bundle was not accepted. Each case says enough for a one-line message; none
/// carries the token itself, so errors can be logged safely.
public enum JOSEError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case badSignature(String)
    case claim(String)
    case key(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed token: \(why)"
        case .badSignature(let why): "signature does not verify: \(why)"
        case .claim(let why): "token claims rejected: \(why)"
        case .key(let why): "key problem: \(why)"
        }
    }
}
