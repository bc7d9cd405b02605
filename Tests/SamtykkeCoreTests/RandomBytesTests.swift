import SamtykkeCore
import Testing
import TestSupport

@Suite(.sameOnEveryBackend) struct RandomBytesTests {
    /// Every byte of every length, whole words or not, varies: each bit is seen set and clear over a
    /// few hundred draws, so no byte is left zero or copied from another draw's word.
    @Test(arguments: [1, 5, 8, 16, 24, 32, 33])
    func everyBitOfEveryByteVaries(count: Int) {
        let draws = (0..<512).map { _ in RandomBytes.make(count) }
        #expect(draws.allSatisfy { $0.count == count })
        #expect(Set(draws).count == draws.count || count == 1)
        for index in 0..<count {
            let set = draws.reduce(UInt8(0)) { $0 | $1[index] }
            let clear = draws.reduce(UInt8(0)) { $0 | ~$1[index] }
            #expect(set == 0xFF && clear == 0xFF, "byte \(index) of \(count)")
        }
    }

    @Test func hexIsTwoLowerCaseDigitsPerByte() {
        let text = RandomBytes.hex(16)
        #expect(text.count == 32 && text.allSatisfy { "0123456789abcdef".contains($0) }, "\(text)")
        #expect(RandomBytes.hex(16) != text)
    }

    /// The log's values hold their bytes inline and compare every word: a fresh one's bytes past its
    /// length must be zero, or it would not equal itself read back from its base64url form.
    @Test func aFreshLogValueEqualsItselfReadBack() throws {
        for _ in 0..<64 {
            let tag = ConsentTag.random()
            #expect(try ConsentTag(base64URL: tag.description, field: "tag") == tag)
            #expect(tag.bytes.count == 16)
            let salt = EntrySalt.random()
            #expect(try EntrySalt(base64URL: salt.description, field: "salt") == salt)
        }
        #expect(ConsentTag.random() != ConsentTag.random())
    }
}
