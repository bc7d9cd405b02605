import Testing
import TransparencyLog
import TestSupport

@Suite("Hash", .sameOnEveryBackend)
struct HashTests {
    static let root8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    static let root8Base64 = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="

    @Test func encodings() throws {
        let hash = try #require(Hash(hex: Self.root8))
        #expect(hash.hex == Self.root8)
        #expect(hash.description == Self.root8)
        #expect(hash.base64 == Self.root8Base64)
        #expect(Hash(base64: Self.root8Base64) == hash)
        #expect(Hash(hex: Self.root8.uppercased()) == hash)
        #expect(Hash(bytes: hash.bytes) == hash)
    }

    /// Held as words, compared and hashed as words: a change in any one byte must still tell two apart.
    @Test func everyByteCountsForEqualityAndHashing() throws {
        let hash = try #require(Hash(hex: Self.root8))
        var seen: Set<Hash> = [hash]
        for position in 0..<Hash.byteCount {
            var bytes = hash.bytes
            bytes[position] ^= 0x01
            let other = try #require(Hash(bytes: bytes))
            #expect(other != hash && other.bytes == bytes, "byte \(position)")
            seen.insert(other)
        }
        #expect(seen.count == Hash.byteCount + 1)
        #expect(Hash(bytes: hash.bytes).map { seen.contains($0) } == true)
    }

    @Test func onlyExactly32Bytes() {
        #expect(Hash(bytes: [UInt8](repeating: 0, count: 31)) == nil)
        #expect(Hash(bytes: [UInt8](repeating: 0, count: 33)) == nil)
        #expect(Hash(hex: String(Self.root8.dropLast(2))) == nil)
        #expect(Hash(hex: Self.root8 + "00") == nil)
        #expect(Hash(hex: String(Self.root8.dropLast()) + "g") == nil)
        #expect(Hash(base64: "AAAA") == nil)
    }

    @Test(arguments: [
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg",     // unpadded
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=",    // non-zero bits after the last byte
        " XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",   // whitespace
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=",    // URL alphabet
        "",
    ])
    func nonCanonicalBase64IsRejected(text: String) {
        #expect(Hash(base64: text) == nil)
    }
}
