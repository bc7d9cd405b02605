/// Text as a terminal lays it out: how many columns it takes, and how to cut it to fit.
///
/// Meant for text already through `FreeText.escaped`, so nothing in it is hidden; what is left to
/// measure is wide characters (CJK, emoji: two columns) and escapes (`\u{202E}`: eight columns that
/// must never be cut in half, or the reader would see a broken escape as if the bank wrote it).
/// Widths err on the wide side: a row measured too wide is cut a little early, one measured too
/// narrow would wrap.
public enum TerminalText {
    public static let ellipsis = "…"

    /// Columns `text` takes on a terminal.
    public static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// `text` in at most `columns` columns: whole when it fits, otherwise as much as fits before an
    /// ellipsis, cut only between characters and never inside an escape.
    public static func cut(_ text: String, to columns: Int) -> String {
        guard width(text) > columns else { return text }
        guard columns > 0 else { return "" }
        var out = ""
        var used = 0
        for piece in pieces(text) {
            let pieceWidth = width(piece)
            guard used + pieceWidth <= columns - 1 else { break }
            out += piece
            used += pieceWidth
        }
        return out + ellipsis
    }

    /// `text` padded with spaces to `columns` columns.
    public static func pad(_ text: String, to columns: Int) -> String {
        text + String(repeating: " ", count: max(0, columns - width(text)))
    }

    /// The units a cut may fall between: each escape `\u{…}` whole, every other character alone.
    static func pieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while let first = rest.first {
            if let escape = leadingEscape(rest) {
                pieces.append(String(escape))
                rest = rest[escape.endIndex...]
            } else {
                pieces.append(String(first))
                rest = rest.dropFirst()
            }
        }
        return pieces
    }

    /// `\u{` + 1 to 6 hex digits + `}` at the start of `text` (the closing brace may carry a
    /// combining mark that followed the escaped scalar: it is one character with it).
    private static func leadingEscape(_ text: Substring) -> Substring? {
        guard text.hasPrefix("\\u{") else { return nil }
        var index = text.index(text.startIndex, offsetBy: 3)
        var digits = 0
        while index < text.endIndex, text[index].isHexDigit, digits < 6 {
            digits += 1
            index = text.index(after: index)
        }
        guard digits > 0, index < text.endIndex, text[index].unicodeScalars.first == "}" else { return nil }
        return text[...index]
    }

    /// Columns of one character: two for East Asian wide and full-width characters and emoji
    /// presentation, one for everything else (a combining mark counts with its base character).
    static func width(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first, first.value >= 0x1100 || scalars.count > 1 else { return 1 }
        if scalars.contains(where: { $0.properties.isEmojiPresentation || $0.value == 0xFE0F }) { return 2 }
        return wideRanges.contains { $0.contains(first.value) } ? 2 : 1
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks of Unicode's EastAsianWidth.txt, as terminals
    /// draw them (Markus Kuhn's wcwidth, brought up to the planes Unicode added since).
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
        0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
        0x1F200...0x1F2FF, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}
