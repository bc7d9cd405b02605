#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON Canonicalization Scheme (RFC 8785): the one byte sequence for a JSON value.
///
/// Hand-written because no maintained Swift JCS library exists in the package mirror this
/// project builds from; the whole scheme is the serializer below plus `ECMAScriptNumber`.
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func encode(_ value: JSONValue) throws -> [UInt8] {
        var output: [UInt8] = []
        // A log entry is about 420 bytes: one allocation instead of a growth at each doubling.
        output.reserveCapacity(512)
        try serialize(value, into: &output)
        return output
    }

    /// The canonical UTF-8 bytes of `value` as `JSONEncoder` renders it.
    ///
    /// Custom `encode(to:)` implementations and `JSONEncoder`'s default strategies (dates as
    /// seconds since 2001, data as base64) decide the JSON; canonicalization only fixes its bytes.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let json: Data
        do {
            json = try JSONEncoder().encode(value)
        } catch let EncodingError.invalidValue(invalid, _) where isNonFiniteFloat(invalid) {
            throw CanonicalJSONError.nonFiniteNumber
        }
        return try encode(JSONDecoder().decode(JSONValue.self, from: json))
    }

    private static func isNonFiniteFloat(_ value: Any) -> Bool {
        if let double = value as? Double { return !double.isFinite }
        if let float = value as? Float { return !float.isFinite }
        return false
    }

    private static func serialize(_ value: JSONValue, into output: inout [UInt8]) throws {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let bool):
            output.append(contentsOf: (bool ? "true" : "false").utf8)
        case .number(let number):
            guard number.isFinite else { throw CanonicalJSONError.nonFiniteNumber }
            output.append(contentsOf: ECMAScriptNumber.string(for: number).utf8)
        case .string(let string):
            serialize(string, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                try serialize(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            // RFC 8785 §3.2.3: names compare as arrays of UTF-16 code units, not as scalars or bytes.
            let sorted = members.sorted { precedesInUTF16($0.key, $1.key) }
            output.append(UInt8(ascii: "{"))
            for (position, member) in sorted.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                serialize(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                try serialize(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Whether `a` sorts before `b` as UTF-16 code units, compared on their UTF-8 bytes (a native
    /// string's own; its UTF-16 view is transcoded on every step). Both orders are code point order
    /// below U+E000; only there can a surrogate pair (U+10000 and up) sort before a BMP character
    /// that UTF-8 puts first, so a lead byte of 0xEE or more takes the UTF-16 comparison.
    static func precedesInUTF16(_ a: String, _ b: String) -> Bool {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                if x >= 0xEE || y >= 0xEE { return a.utf16.lexicographicallyPrecedes(b.utf16) }
                if x != y { return x < y }
            }
        }
    }

    /// RFC 8785 §3.2.2.2. Working on UTF-8 bytes is safe because every byte that needs escaping
    /// is ASCII, and ASCII bytes never occur inside a multi-byte sequence. Runs of bytes that need
    /// none are copied whole.
    private static func serialize(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var run = 0
            for (at, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<at]))
                run = at + 1
                switch byte {
                case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
                case 0x08: output.append(contentsOf: #"\b"#.utf8)
                case 0x09: output.append(contentsOf: #"\t"#.utf8)
                case 0x0A: output.append(contentsOf: #"\n"#.utf8)
                case 0x0C: output.append(contentsOf: #"\f"#.utf8)
                case 0x0D: output.append(contentsOf: #"\r"#.utf8)
                default:
                    output.append(contentsOf: #"\u00"#.utf8)
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
