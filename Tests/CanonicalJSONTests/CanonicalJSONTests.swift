import Foundation
import Testing
import CanonicalJSON
import TestSupport

@Suite("RFC 8785 canonicalization", .sameOnEveryBackend)
struct CanonicalJSONTests {
    private func canonical(_ json: String) throws -> String {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        return String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
    }

    @Test("§3.2.2 example: literals, numbers and string escapes")
    func rfcSerializationExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == expected)
    }

    @Test("§3.2.3 example: members sorted by UTF-16 code units")
    func rfcSortingExample() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\","
            + "\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        let output = try canonical(input)
        #expect(Array(output.utf8) == Array(expected.utf8))
    }

    /// A scalar-order sort would put U+FB33 before U+1F600; UTF-16 puts the surrogate pair first.
    @Test func surrogatePairsSortBeforeHighBMPCharacters() throws {
        let value = JSONValue.object(["\u{FB33}": .null, "\u{1F600}": .null, "z": .null])
        let output = String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
        #expect(Array(output.utf8) == Array("{\"z\":null,\"\u{1F600}\":null,\"\u{FB33}\":null}".utf8))
    }

    /// The byte-wise comparison agrees with UTF-16 order on keys drawn from every range where the
    /// two could differ: ASCII, two- and three-byte BMP, U+E000 and up, and surrogate pairs.
    @Test func keysSortInUTF16OrderWhateverTheirCharacters() throws {
        let pools: [ClosedRange<UInt32>] = [0x20...0x7E, 0xC0...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        var random = SystemRandomNumberGenerator()
        func key() -> String {
            String(String.UnicodeScalarView((0..<Int.random(in: 0...3, using: &random)).map { _ in
                let pool = pools.randomElement(using: &random)!
                return Unicode.Scalar(UInt32.random(in: pool, using: &random))!
            }))
        }
        for _ in 0..<200 {
            // Shared prefixes, so the difference is often past the first character.
            let prefix = key()
            var members: [String: JSONValue] = [:]
            for _ in 0..<8 { members[prefix + key()] = .null }
            let output = try CanonicalJSON.encode(.object(members))
            let expected = "{" + members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
                .map { String(decoding: try! CanonicalJSON.encode(.string($0)), as: UTF8.self) + ":null" }.joined(separator: ",") + "}"
            #expect(Array(output) == Array(expected.utf8))
        }
    }

    @Test func everyControlCharacterIsEscapedAndNothingElse() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let output = String(decoding: try CanonicalJSON.encode(.string(controls + "\"\\/\u{7F}\u{2028}\u{2029}é")), as: UTF8.self)
        let expected = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
            + "\\\"\\\\/\u{7F}\u{2028}\u{2029}é\""
        #expect(Array(output.utf8) == Array(expected.utf8))
    }

    @Test func noWhitespaceAndNestedObjectsSorted() throws {
        let input = #"{ "b" : [ 1 , { "y" : 2 , "x" : [ ] } ] , "a" : { } , "" : "" }"#
        #expect(try canonical(input) == #"{"":"","a":{},"b":[1,{"x":[],"y":2}]}"#)
    }

    @Test func topLevelScalars() throws {
        #expect(try canonical("true") == "true")
        #expect(try canonical("null") == "null")
        #expect(try canonical(#""x""#) == #""x""#)
        #expect(try canonical("-0.0") == "0")
    }

    @Test func nonFiniteNumbersAreRejectedAnywhere() {
        for bad in [Double.nan, .infinity, -.infinity] {
            #expect(throws: CanonicalJSONError.nonFiniteNumber) {
                try CanonicalJSON.encode(.object(["a": .array([.number(1), .number(bad)])]))
            }
        }
    }

    private struct Entry: Encodable {
        var sequence: UInt64
        var zeta: String
        var alpha: Double
        var flags: [Bool]
        var note: String?
    }

    @Test func encodableGoesThroughJSONEncoder() throws {
        let entry = Entry(sequence: 42, zeta: "ø\n", alpha: 1e21, flags: [true, false], note: nil)
        let output = String(decoding: try CanonicalJSON.encode(entry), as: UTF8.self)
        #expect(output == #"{"alpha":1e+21,"flags":[true,false],"sequence":42,"zeta":"ø\n"}"#)
    }

    @Test func encodableTopLevelScalar() throws {
        #expect(try CanonicalJSON.encode("a/b") == Array(#""a/b""#.utf8))
        #expect(try CanonicalJSON.encode(0.1) == Array("0.1".utf8))
    }

    @Test func encodableWithNonFiniteNumberIsRejected() {
        #expect(throws: CanonicalJSONError.nonFiniteNumber) {
            try CanonicalJSON.encode(Entry(sequence: 1, zeta: "", alpha: .nan, flags: [], note: nil))
        }
        #expect(throws: CanonicalJSONError.nonFiniteNumber) {
            try CanonicalJSON.encode([Float.infinity])
        }
    }

    @Test func integersBeyondDoublePrecisionAreRejectedNotRounded() throws {
        #expect(try CanonicalJSON.encode(UInt64(1) << 53) == Array("9007199254740992".utf8))
        for inexact: any Encodable in [(UInt64(1) << 53) + 1, Int64.min + 1] {
            let error = #expect(throws: DecodingError.self) { try CanonicalJSON.encode(inexact) }
            guard case .dataCorrupted(let context)? = error, context.debugDescription.hasPrefix("integer is not exactly representable") else {
                Issue.record("\(inexact): \(String(describing: error)) is not the inexact-integer refusal")
                continue
            }
        }
    }

    @Test func jsonValueRoundTripsThroughJSONEncoder() throws {
        let value = JSONValue.object([
            "a": .array([.null, .bool(true), .number(-2.5), .string("x\u{1F600}")]),
            "b": .object(["c": .number(0)]),
        ])
        let decoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
    }
}
