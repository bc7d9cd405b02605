/// The rules for text a bank or an operator writes and a citizen reads (a purpose, a bank's name):
/// it must look the same to the reader as it did to whoever checked it.
///
/// Refused are the scalars that change how text around them looks without showing themselves:
/// controls (Cc: newlines, escape sequences), formats (Cf: bidirectional overrides, zero-width
/// characters), and line and paragraph separators (Zl, Zp). The length is bounded in Characters, as
/// a reader counts, and in Unicode scalars, since one Character can carry any number of combining
/// marks.
public enum FreeText {
    /// Whether `scalar` is one a reader cannot see but that changes what the reader sees.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
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
        if let hidden = text.unicodeScalars.first(where: isHidden) {
            throw .invalid(field, "must not contain control, format or separator characters such as \(escaped(String(hidden)))")
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
