import Foundation
import SamtykkeCore
import Testing
import TestSupport

@Suite(.sameOnEveryBackend) struct RandomUUIDTests {
    /// RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8,
    /// and the other 122 bits random: every bit that may vary does, over a few thousand.
    @Test func itIsAVersion4UUIDWithEveryOtherBitRandom() {
        let ids = (0..<4_096).map { _ in UUID.randomVersion4() }
        #expect(Set(ids).count == ids.count)
        var seenSet = [UInt8](repeating: 0, count: 16)
        var seenClear = [UInt8](repeating: 0, count: 16)
        for id in ids {
            let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 4 && bytes[8] >> 6 == 0b10, "\(id)")
            #expect(id.uuidString.lowercased().dropFirst(14).first == "4")
            for index in bytes.indices {
                seenSet[index] |= bytes[index]
                seenClear[index] |= ~bytes[index]
            }
        }
        let fixed: [Int: UInt8] = [6: 0xF0, 8: 0xC0]
        for index in 0..<16 {
            let varying = ~(fixed[index] ?? 0)
            #expect(seenSet[index] & varying == varying && seenClear[index] & varying == varying, "byte \(index)")
        }
    }
}
