@testable import CitizenClient
import SamtykkeCore
import Testing
import TestSupport

/// Columns of text on a terminal, and cuts that never break an escape.
@Suite(.sameOnEveryBackend) struct TerminalTextTests {
    @Test func widthCountsColumnsNotCharacters() {
        #expect(TerminalText.width("Bergen") == 6)
        #expect(TerminalText.width("Boliglån") == 8)
        #expect(TerminalText.width("Bolig\u{0061}\u{030A}n") == 7)
        #expect(TerminalText.width("日本語") == 6)
        #expect(TerminalText.width("ｂａｎｋ") == 8)
        #expect(TerminalText.width("🏠 lån") == 6)
    }

    @Test func aCutEndsInAnEllipsisWithinTheWidth() {
        #expect(TerminalText.cut("Car loan", to: 8) == "Car loan")
        #expect(TerminalText.cut("Car loan", to: 7) == "Car lo…")
        #expect(TerminalText.cut("日本語テキスト", to: 6) == "日本…")
        #expect(TerminalText.cut("abc", to: 1) == "…")
        #expect(TerminalText.cut("abc", to: 0) == "")
    }

    @Test func anEscapeIsKeptWholeOrLeftOut() {
        let escaped = FreeText.escaped("ab\u{202E}cd")
        #expect(escaped == #"ab\u{202E}cd"#)
        for columns in 0...TerminalText.width(escaped) {
            let cut = TerminalText.cut(escaped, to: columns)
            #expect(TerminalText.width(cut) <= columns)
            #expect(!cut.contains(#"\u{"#) || cut.contains(#"\u{202E}"#), "\(columns): \(cut)")
        }
        #expect(TerminalText.cut(escaped, to: 10) == "ab…")
        #expect(TerminalText.cut(escaped, to: 11) == #"ab\u{202E}…"#)
    }

    @Test func theWidthComesFromColumnsThenTheTerminalThenEighty() {
        #expect(TerminalWidth.resolve(columns: "120", terminal: 97) == 120)
        #expect(TerminalWidth.resolve(columns: nil, terminal: 97) == 97)
        for unusable in ["", "0", "-3", "wide", "1e3"] {
            #expect(TerminalWidth.resolve(columns: unusable, terminal: 97) == 97)
            #expect(TerminalWidth.resolve(columns: unusable, terminal: nil) == 80)
        }
        #expect(TerminalWidth.resolve(columns: nil, terminal: 0) == 80)
        #expect(TerminalWidth.fallback == 80)
    }
}
