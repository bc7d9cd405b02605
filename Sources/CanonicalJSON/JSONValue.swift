#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON document as a value: what RFC 8785 canonicalizes.
///
/// Numbers are IEEE 754 doubles because that is the only number model RFC 8785 (through I-JSON)
/// defines. Decoding rejects an integer that fits in 64 bits but not exactly in a double, so that
/// an `Int64` or `UInt64` in an `Encodable` is never silently rounded into a different canonical form.
///
/// Strings and object keys are Swift `String`s, so two keys that differ only in Unicode
/// normalization compare equal and cannot both be members of one object.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The largest integer I-JSON (RFC 7493 §2.2) lets a number carry: what a double holds exactly.
    public static let maxExactInteger = 9_007_199_254_740_991

    /// An integer as a number, if every reader gets it back exactly; a larger one would be read
    /// rounded by any reader that parses numbers as doubles, as JavaScript does.
    public init(integer: Int) throws(CanonicalJSONError) {
        guard (-Self.maxExactInteger...Self.maxExactInteger).contains(integer) else { throw .inexactInteger(integer) }
        self = .number(Double(integer))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Most common first: each wrong guess is a thrown error, with its coding path built, and
        // entries and consent tokens are mostly strings and objects (a consent token's proof was a
        // tenth of the agency's CPU). The order changes no result: a JSON decoder reads each type
        // only from its own kind of value.
        if container.decodeNil() {
            self = .null
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let object = try? container.decode([String: JSONValue].self) {
            self = .object(object)
        } else if let number = try? container.decode(Double.self) {
            try Self.rejectInexactInteger(number, in: container)
            self = .number(number)
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            // Again, to throw what is wrong inside an object rather than that it is not an array.
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number): try container.encode(number)
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array)
        case .object(let object): try container.encode(object)
        }
    }

    private static func rejectInexactInteger(_ number: Double, in container: any SingleValueDecodingContainer) throws {
        let exact: Bool
        if let integer = try? container.decode(Int64.self) {
            exact = Double(exactly: integer) != nil
        } else if let integer = try? container.decode(UInt64.self) {
            exact = Double(exactly: integer) != nil
        } else {
            exact = true
        }
        guard exact else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "integer is not exactly representable as an IEEE 754 double (read as \(number))"
            )
        }
    }
}
