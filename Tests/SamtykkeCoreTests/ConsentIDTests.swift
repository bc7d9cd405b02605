import Foundation
import Testing
import SamtykkeCore
import TestSupport

@Suite(.sameOnEveryBackend) struct ConsentIDTests {
    /// RFC 9562 §5.7: the Unix milliseconds in the first 48 bits, version 7, variant 10.
    @Test func aNewIdIsAVersion7UUIDOfItsMoment() throws {
        // 2026-12-01T12:00:00.123Z
        let moment = Date(timeIntervalSince1970: 1_796_126_400.123)
        let id = ConsentID(madeAt: moment)
        let text = id.description
        #expect(text == text.lowercased())
        let hex = text.replacingOccurrences(of: "-", with: "")
        #expect(UInt64(hex.prefix(12), radix: 16) == 1_796_126_400_123)
        #expect(Array(hex)[12] == "7")
        #expect("89ab".contains(Array(hex)[16]))
        #expect(try ConsentID(text) == id)
    }

    /// Later ids sort later as stored text, which is what keeps the indexes growing at one edge;
    /// ids of the same millisecond still differ.
    @Test func laterIdsSortLaterAndNoTwoAreAlike() {
        let ids = (0..<1000).map { ConsentID(madeAt: Date(timeIntervalSince1970: Double(1_796_126_400_000 + $0) / 1000)).description }
        let firstOutOfOrder = zip(ids, ids.dropFirst()).first { $0 >= $1 }
        #expect(firstOutOfOrder == nil)
        let start = Date(timeIntervalSince1970: 1_796_126_400)
        let sameMoment = (0..<1000).map { _ in ConsentID(madeAt: start) }
        #expect(Set(sameMoment).count == 1000)
    }

    /// The text is Foundation's, in lower case; ids order as their text does (stores lock rows in
    /// that order).
    @Test func itsTextIsTheLowerCaseUUIDAndItsOrderTheTexts() throws {
        var ids = (0..<2000).map { _ in ConsentID(UUID()) }
        ids += [try ConsentID("00000000-0000-0000-0000-000000000000"), try ConsentID("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")]
        for id in ids { #expect(id.description == id.uuid.uuidString.lowercased()) }
        #expect(ids.sorted().map(\.description) == ids.map(\.description).sorted())
    }
}
