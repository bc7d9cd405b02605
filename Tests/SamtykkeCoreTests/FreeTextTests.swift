import SamtykkeCore
import Testing
import TestSupport

/// A purpose must read the same on the citizen's screen as it did to the broker that checked it.
@Suite(.sameOnEveryBackend) struct FreeTextTests {
    static func purpose(_ text: String) throws(DomainError) -> Purpose {
        try Purpose(code: "loan-application", text: text)
    }

    @Test(arguments: [
        "line one\nline two",  // Cc: a newline fakes a second field on the consent screen
        "tab\there",  // Cc
        "\u{1B}[2Jcleared",  // Cc: a terminal escape sequence
        "a\u{2028}b",  // Zl
        "a\u{2029}b",  // Zp
        "Mortgage \u{202E}0001 KON\u{202C}",  // Cf: right-to-left override
        "pay\u{2066}ment\u{2069}",  // Cf: isolates
        "zero\u{200B}width",  // Cf: zero-width space
        "join\u{200D}er",  // Cf: zero-width joiner
        "\u{FEFF}bom",  // Cf: byte order mark
        "soft\u{00AD}hyphen",  // Cf
    ])
    func hiddenScalarsAreRefusedNamingTheField(_ text: String) {
        #expect {
            try Self.purpose(text)
        } throws: { error in
            let domain = error as? DomainError
            return domain?.field == "purpose.text" && domain?.code == .invalid
        }
    }

    @Test func oneCharacterOfManyCombiningMarksIsRefused() throws {
        let stacked = "a" + String(repeating: "\u{0301}", count: 500)
        #expect(stacked.count == 1)
        #expect(throws: DomainError.invalid("purpose.text", "must not stack more than 10 Unicode scalars into one character")) {
            try Self.purpose("Mortgage " + stacked)
        }
        // Ten fit: Devanagari conjuncts and stacked Vietnamese accents are real text.
        _ = try Self.purpose("a" + String(repeating: "\u{0301}", count: 9))
        _ = try Self.purpose("क्ष्म Việt")
    }

    @Test func theBoundsInCharactersAndScalars() throws {
        #expect(throws: DomainError.invalid("purpose.text", "must be at most 500 characters and 2000 Unicode scalars")) {
            try Self.purpose(String(repeating: "x", count: 501))
        }
        _ = try Self.purpose(String(repeating: "x", count: 500))
        // 500 decomposed å: 1000 scalars, as a keyboard in NFD makes them.
        _ = try Self.purpose(String(repeating: "a\u{030A}", count: 500))
        // 401 letters with five marks each: no one character is too tall, but 2406 scalars in all are too many.
        #expect(throws: DomainError.invalid("purpose.text", "must be at most 500 characters and 2000 Unicode scalars")) {
            try Self.purpose(String(repeating: "a\u{0301}\u{0302}\u{0303}\u{0304}\u{0305}", count: 401))
        }
    }

    @Test func ordinaryTextInAnyScriptIsAccepted() throws {
        for text in ["Boliglån til leilighet i Bergen", "Kjøp av bil – 250 000 kr", "قرض سكني", "住宅ローン", "Hypotek 🏠", "Sámi: Čáhcegáddi"] {
            #expect(try Self.purpose(text).text == text)
        }
    }

    /// Scalars that show as nothing, or as whatever a font makes of them, but are no control or
    /// format character: Default_Ignorable ones (combining grapheme joiner, Hangul fillers, Khmer
    /// vowel inherent), the Braille blank, private use, unassigned and noncharacters. Each is refused
    /// in the middle of ordinary text and escaped when printed.
    @Test(arguments: [
        0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x2800,
        0xE000, 0xF0000,  // private use (Co), in the BMP and in plane 15
        0x0378, 0xE0080,  // unassigned (Cn)
        0xFFFF, 0xFDD0, 0x1FFFE,  // noncharacters (which Swift will not take in a literal)
    ] as [UInt32])
    func invisibleUnassignedPrivateAndNoncharactersAreRefused(_ value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let shown = "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
        let refusal = DomainError.invalid("purpose.text", "must not contain invisible, unassigned, private-use or noncharacter code points such as \(shown)")
        #expect(throws: refusal) { try Self.purpose("Boliglån\(scalar)i Bergen") }
        #expect(throws: refusal) { try Self.purpose(String(scalar)) }
        #expect(FreeText.escaped("a\(scalar)b") == "a\(shown)b")
    }

    /// The Braille blank is refused by name, the patterns with dots are text.
    @Test func brailleWithDotsIsAccepted() throws {
        _ = try Self.purpose("\u{2801}\u{2803}\u{28FF}")
    }

    @Test(arguments: [" \u{3000} ", "   "]) func blankIsRefused(text: String) {
        #expect(throws: DomainError.invalid("purpose.text", "must not be blank")) { try Self.purpose(text) }
    }

    @Test func escapingShowsEveryHiddenScalarAndNothingElse() {
        #expect(FreeText.escaped("a\nb\u{202E}c\u{2028}d\u{200B}") == "a\\u{000A}b\\u{202E}c\\u{2028}d\\u{200B}")
        #expect(FreeText.escaped("\u{E0001}") == "\\u{E0001}")
        #expect(FreeText.escaped("Boliglån i Bergen 🏠") == "Boliglån i Bergen 🏠")
    }
}
