import Testing
import CanonicalJSON
import TestSupport

/// A member given twice is found whether its name is written plainly or with escapes, at any depth.
@Suite("JSONStructure: members given twice", .sameOnEveryBackend)
struct JSONStructureTests {
    @Test(arguments: [
        (#"{"pid":"1","pid":"2"}"#, "pid"),
        (#"{"pid":"1","p\u0069d":"2"}"#, "pid"),
        (#"{"a":{"b":1,"c":{"d":[1,{"e":1,"e":2}]},"b":2}}"#, "a.c.d[1].e"),
        (#"{"a":{"b":1,"b":2}}"#, "a.b"),
        (#"{"a":1,"\u0061":2}"#, "a"),
        (#"{"x":{"é":1,"\u00e9":2}}"#, "x.é"),
    ])
    func findsARepeatedMember(_ json: String, _ path: String) {
        #expect(throws: JSONStructure.Flaw.repeatedMember(path: path)) { try JSONStructure.check(Array(json.utf8), maxDepth: 32) }
    }

    @Test func takesDistinctMembersAndEqualNamesInOtherObjects() throws {
        try JSONStructure.check(Array(#"{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}],"\u0078":"","x\\":1}"#.utf8), maxDepth: 32)
        try JSONStructure.check(Array(#"{"a":1,"b":{"a":2}}"#.utf8), maxDepth: 8)
    }

    /// Names that are not UTF-8 are not read as some other name (both as U+FFFD): the decoder refuses them.
    @Test func namesThatAreNotUTF8AreLeftToTheDecoder() {
        let twoBadNames: [UInt8] = Array(#"{""#.utf8) + [0xFF] + Array(#"":1,""#.utf8) + [0xFE] + Array(#"":2}"#.utf8)
        #expect(throws: Never.self) { try JSONStructure.check(twoBadNames, maxDepth: 8) }
    }
}
