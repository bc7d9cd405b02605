@testable import CitizenClient
import Foundation
import SamtykkeAPI
import Testing
import TestSupport

/// `consent list` fitted to the terminal: no line wider than it, ids whole, the purpose cut first.
@Suite(.sameOnEveryBackend) struct ConsentTableTests {
    static let oslo = TimeZone(identifier: "Europe/Oslo")!
    static let long = String(repeating: "Mortgage for a flat in Bergen ", count: 3)

    static func table(_ consents: [ConsentView], width: Int?, strings: CitizenStrings = .english) -> [String] {
        ConsentTable.text(consents, in: oslo, strings: strings, width: width).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func noLineIsWiderThanTheTerminal() throws {
        let hostile = "Lån 🏠 日本語\u{202E}gnimoc\u{1B}[2J " + Self.long
        let consents = [try Consents.view(purposeText: hostile, bankName: "Sparebanken 日本 \u{200B}Vest"), try Consents.view(purposeText: Self.long, bankName: nil)]
        for strings in [CitizenStrings.english, .bokmål] {
            for width in 1...220 {
                let lines = Self.table(consents, width: width, strings: strings)
                #expect(lines.count == 3)
                for line in lines {
                    #expect(TerminalText.width(line) <= width, "\(width): \(line)")
                    // An escape is whole or absent: every `\u{` is followed by hex digits and `}`.
                    var rest = Substring(line)
                    while let start = rest.range(of: #"\u{"#) {
                        rest = rest[start.upperBound...]
                        let digits = rest.prefix { $0.isHexDigit }
                        #expect(!digits.isEmpty && rest.dropFirst(digits.count).first == "}", "\(width): \(line)")
                    }
                }
            }
        }
    }

    @Test func eightyColumnsKeepTheIdTheStatusTheBankAndTheDay() throws {
        let lines = Self.table([try Consents.view(purposeText: Self.long)], width: 80)
        #expect(lines[1].hasPrefix("0b9d3c1e-9a4f-4d7e-8a51-1f0e4c2b7d60  pending  Demo Sparebank (98"), "\(lines)")
        #expect(lines[1].hasSuffix("…  2026-12-01"), "\(lines)")
        #expect(lines.allSatisfy { TerminalText.width($0) <= 80 })
    }

    @Test func aHundredColumnsCutThePurposeWithAnEllipsis() throws {
        let lines = Self.table([try Consents.view(purposeText: Self.long)], width: 100)
        #expect(lines[0].hasSuffix("PURPOSE") && lines[0].contains("VALID UNTIL"), "\(lines)")
        #expect(lines[1].contains("Demo Sparebank (986352325)  2026-12-01   Mortgage") && lines[1].hasSuffix("…"), "\(lines)")
        #expect(TerminalText.width(lines[1]) == 100)
    }

    @Test func aWideTerminalShowsEveryColumnAndCutsOnlyAtThePurposesCap() throws {
        let lines = Self.table([try Consents.view(purposeText: Self.long)], width: 200)
        #expect(lines == Self.table([try Consents.view(purposeText: Self.long)], width: nil))
        #expect(lines[1].contains("income, debt for 2023, 2024  2026-12-01 13:00 +01:00  Mortgage"), "\(lines)")
        #expect(lines[1].hasSuffix("…") && lines[1].count < 200)
    }

    @Test func theTableSpeaksBokmål() throws {
        let lines = Self.table([try Consents.view(status: "active", scopes: ["income", "wealth"])], width: nil, strings: .bokmål)
        #expect(lines[0].hasPrefix("SAMTYKKE") && lines[0].contains("GYLDIG TIL") && lines[0].hasSuffix("FORMÅL"), "\(lines)")
        #expect(lines[1].contains("  aktivt  ") && lines[1].contains("inntekt, formue for 2023, 2024"), "\(lines)")
    }
}
