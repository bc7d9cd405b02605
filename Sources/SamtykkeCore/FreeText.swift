/// The rules for text a bank or an operator writes and a citizen reads (a purpose, a bank's name):
/// it must look the same to the reader as it did to whoever checked it.
///
/// Refused are the scalars that change how text around them looks without showing themselves:
/// controls (Cc: newlines, escape sequences), formats (Cf: bidirectional overrides, zero-width
/// characters), and line and paragraph separators (Zl, Zp); and the scalars a reader cannot see or
/// that have no agreed look: Default_Ignorable_Code_Point (Hangul fillers, the combining grapheme
/// joiner, variation selectors), unassigned (Cn), private use (Co) and noncharacters, all taken from
/// the Unicode data the standard library ships, so a new Unicode version moves the rule with it.
/// The length is bounded in Characters, as a reader counts, and in Unicode scalars, since one
/// Character can carry any number of combining marks.
public enum FreeText {
    /// Whether `scalar` is one a reader cannot see but that changes what the reader sees, or one
    /// that shows as nothing at all.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        refusal(of: scalar) != nil
    }

    /// What kind of hidden scalar `scalar` is, in the words of a refusal; nil for a visible one.
    static func refusal(of scalar: Unicode.Scalar) -> String? {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return "control, format or separator characters"
        case .unassigned, .privateUse: return "invisible, unassigned, private-use or noncharacter code points"
        default: break
        }
        // U+2800 BRAILLE PATTERN BLANK is an assigned symbol (So), neither whitespace nor
        // Default_Ignorable, yet it renders as an empty cell: a purpose made of it looks blank and
        // passes the blank check. No Unicode property names it, so it is named here and refused with
        // the ignorables; the other Braille patterns show their dots and stay allowed.
        if properties.isDefaultIgnorableCodePoint || properties.isNoncharacterCodePoint || scalar == "\u{2800}" {
            return "invisible, unassigned, private-use or noncharacter code points"
        }
        return nil
    }

    /// Scalars allowed per Character on average: room for decomposed accents (`a` + U+030A is one
    /// `å`), none for text that is mostly marks.
    public static let scalarsPerCharacter = 4
    /// Scalars allowed in any one Character: the longest conjuncts and decomposed accents of real
    /// scripts fit, a mark stacked hundreds deep over one letter does not.
    public static let maxScalarsInOneCharacter = 10

    /// Checks `text` for `field`: not blank, at most `maxCharacters` Characters and
    /// `scalarsPerCharacter` times as many scalars, no Character of more than
    /// `maxScalarsInOneCharacter` scalars, nothing hidden.
    public static func validate(_ text: String, field: String, maxCharacters: Int) throws(DomainError) {
        // Printable ASCII hides nothing and is one scalar a Character, so for it the rules come down
        // to counting bytes: most text is, and `audit verify` checks every purpose on the log.
        let isPrintableASCII = text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
        let isBlank = isPrintableASCII ? text.utf8.allSatisfy { $0 == 0x20 } : text.trimmingWhitespace.isEmpty
        guard !isBlank else { throw .invalid(field, "must not be blank") }
        let maxScalars = maxCharacters * scalarsPerCharacter
        let (scalars, characters) = isPrintableASCII ? (text.utf8.count, text.utf8.count) : (text.unicodeScalars.count, text.count)
        guard scalars <= maxScalars, characters <= maxCharacters else {
            throw .invalid(field, "must be at most \(maxCharacters) characters and \(maxScalars) Unicode scalars")
        }
        if isPrintableASCII { return }
        guard text.allSatisfy({ $0.unicodeScalars.count <= maxScalarsInOneCharacter }) else {
            throw .invalid(field, "must not stack more than \(maxScalarsInOneCharacter) Unicode scalars into one character")
        }
        for scalar in text.unicodeScalars {
            if let kind = refusal(of: scalar) { throw .invalid(field, "must not contain \(kind) such as \(escaped(String(scalar)))") }
        }
    }

    /// `text` with every hidden scalar written as `\u{XXXX}`, for printing text that may predate
    /// these rules (or come from a source that never applied them).
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if isHidden(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
