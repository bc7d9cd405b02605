import SamtykkeCore
import Testing
import TestSupport

@Suite(.sameOnEveryBackend) struct HexTests {
    @Test func everyByteIsItsTwoLowerCaseDigits() {
        let bytes = (0...255).map(UInt8.init)
        let expected = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(Hex.lowercase(bytes) == expected)
        #expect(Hex.lowercase([]) == "")
        #expect(Hex.lowercase([0x00, 0x7f, 0xa0, 0xff]) == "007fa0ff")
    }
}
