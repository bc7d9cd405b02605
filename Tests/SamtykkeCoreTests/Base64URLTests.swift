import Foundation
import SamtykkeCore
import SeededRandom
import Testing
import TestSupport

/// base64url as RFC 4648 §5 and RFC 7515 §2 define it: Foundation's base64 with `-` and `_` for `+`
/// and `/`, no padding, and nothing else accepted.
@Suite(.sameOnEveryBackend) struct Base64URLTests {
    @Test func itIsBase64WithTheURLAlphabetAndNoPadding() {
        var random = SeededGenerator(seed: 4648)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected, "\(length) bytes")
            #expect(Base64URL.decode(expected) == bytes, "\(length) bytes")
        }
        // RFC 4648 §10's vectors, and the two characters that differ from base64.
        #expect(Base64URL.encode(Array("foob".utf8)) == "Zm9vYg")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
    }

    /// Padding, the standard alphabet's characters, impossible lengths, whitespace, and a last
    /// character with unused bits set ("AB" and "AAB" are spelt "AA" and "AAA").
    @Test(arguments: ["Zm9vYg==", "+_8", "-/8", "Zm9vY", "Zm9v Yg", "Zm9vYg\n", "AB", "AAB"])
    func whatIsNotBase64URLIsRefused(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
