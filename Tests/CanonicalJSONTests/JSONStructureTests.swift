import Testing
import CanonicalJSON

@Suite("JSONStructure: members given twice")
struct JSONStructureTests {
    @Test func aNameSpelledPlainlyAndEscapedIsOneMember() {
        #expect(throws: JSONStructure.Flaw.repeatedMember(path: "a")) {
            try JSONStructure.check(Array(#"{"a":1,"\u0061":2}"#.utf8), maxDepth: 8)
        }
        #expect(throws: JSONStructure.Flaw.repeatedMember(path: "x.é")) {
            try JSONStructure.check(Array(#"{"x":{"é":1,"\u00e9":2}}"#.utf8), maxDepth: 8)
        }
        #expect(throws: Never.self) { try JSONStructure.check(Array(#"{"a":1,"b":{"a":2}}"#.utf8), maxDepth: 8) }
    }

    /// Names that are not UTF-8 are not read as some other name (both as U+FFFD): the decoder refuses them.
    @Test func namesThatAreNotUTF8AreLeftToTheDecoder() {
        let twoBadNames: [UInt8] = Array(#"{""#.utf8) + [0xFF] + Array(#"":1,""#.utf8) + [0xFE] + Array(#"":2}"#.utf8)
        #expect(throws: Never.self) { try JSONStructure.check(twoBadNames, maxDepth: 8) }
    }
}
