import Testing
import TransparencyLog
import TestSupport

/// Tile paths as C2SP tlog-tiles spells them, and no other spelling.
@Suite(.sameOnEveryBackend) struct TilePathTests {
    @Test func indexesAreWrittenInThreeDigitElementsAllButTheLastPrefixedWithX() throws {
        let cases: [(UInt64, Int, String)] = [
            (0, 256, "000"), (5, 256, "005"), (999, 256, "999"), (1000, 256, "x001/000"),
            (1_234_067, 256, "x001/x234/067"), (1_234_067, 7, "x001/x234/067.p/7"), (0, 1, "000.p/1"), (0, 255, "000.p/255"),
            (UInt64.max, 256, "x018/x446/x744/x073/x709/x551/615"),
        ]
        for (index, width, path) in cases {
            let tile = try #require(TilePath(index: index, width: width))
            #expect(tile.path == path)
            #expect(TilePath(elements: path.split(separator: "/")) == tile, "\(path)")
        }
    }

    @Test func anyOtherSpellingIsNoTile() {
        for path in ["", "0", "00", "0000", "x000/005", "x1/000", "y001/000", "001/x000", "000.p/0", "000.p/256", "000.p/05", "000.p/+5",
                     "000.p", "000.p/1/2", "x018/x446/x744/x073/x709/x551/616", "x999/x999/x999/x999/x999/x999/x999/999", "-01", "0a1"] {
            #expect(TilePath(elements: path.split(separator: "/", omittingEmptySubsequences: false)) == nil, "\(path)")
        }
        #expect(TilePath(index: 0, width: 0) == nil && TilePath(index: 0, width: 257) == nil)
    }

    @Test func levelsAreDecimalsUpTo63() {
        #expect(TilePath.level("0") == 0 && TilePath.level("63") == 63)
        for text in ["64", "00", "01", "-1", "+1", "", "x"] { #expect(TilePath.level(Substring(text)) == nil, "\(text)") }
    }
}
