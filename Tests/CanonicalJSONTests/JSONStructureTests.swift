import CanonicalJSON
import Testing

/// A member given twice is found whether its name is written plainly or with escapes, at any depth.
@Suite struct JSONStructureTests {
    @Test(arguments: [
        (#"{"pid":"1","pid":"2"}"#, "pid"),
        (#"{"pid":"1","p\u0069d":"2"}"#, "pid"),
        (#"{"a":{"b":1,"c":{"d":[1,{"e":1,"e":2}]},"b":2}}"#, "a.c.d[1].e"),
        (#"{"a":{"b":1,"b":2}}"#, "a.b"),
    ])
    func findsARepeatedMember(_ json: String, _ path: String) {
        #expect(throws: JSONStructure.Flaw.repeatedMember(path: path)) { try JSONStructure.check(Array(json.utf8), maxDepth: 32) }
    }

    @Test func takesDistinctMembersAndEqualNamesInOtherObjects() throws {
        try JSONStructure.check(Array(#"{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}],"\u0078":"","x\\":1}"#.utf8), maxDepth: 32)
    }
}
