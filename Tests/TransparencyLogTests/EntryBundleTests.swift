import Testing
import TransparencyLog
import TestSupport

/// C2SP tlog-tiles entry bundles: each entry a big-endian 16-bit length and its bytes.
@Suite(.sameOnEveryBackend) struct EntryBundleTests {
    static func entries(_ bundle: [UInt8], count: Int) -> [[UInt8]]? {
        bundle.withUnsafeBytes { raw in EntryBundle.entries(in: raw, count: count)?.map { Array(raw[$0]) } }
    }

    @Test func entriesAreSplitAtTheirLengths() {
        let longest = [UInt8](repeating: 0x61, count: EntryBundle.maxEntryBytes)
        let bundle: [UInt8] = [0, 3, 0x61, 0x62, 0x63] + [0, 0] + [0xFF, 0xFF] + longest + [1, 0] + [UInt8](repeating: 7, count: 256)
        #expect(Self.entries(bundle, count: 4) == [[0x61, 0x62, 0x63], [], longest, [UInt8](repeating: 7, count: 256)])
        #expect(Self.entries([], count: 0) == [])
    }

    @Test(arguments: [
        [0, 3, 0x61, 0x62],         // the entry is cut short
        [0, 1, 0x61, 0],            // half a length after it
        [0, 1, 0x61, 0, 0, 0, 0],   // one entry more than the tile holds
        [0, 1, 0x61],               // one less
    ] as [[UInt8]]) func anythingButExactlyTheTilesEntriesIsRefused(bundle: [UInt8]) {
        #expect(Self.entries(bundle, count: 2) == nil)
    }
}
