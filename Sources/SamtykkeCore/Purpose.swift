/// Why the bank asks: a machine-readable code plus the text the citizen reads before deciding.
public struct Purpose: Sendable, Hashable, Codable {
    public let code: String
    public let text: String

    /// The longest code, in ASCII characters.
    public static let maxCodeLength = 64
    /// The longest text, in Characters (and `FreeText.scalarsPerCharacter` times as many scalars):
    /// with the fixed-size fields around it, what keeps every log entry far below the 65,535 bytes
    /// a C2SP entry bundle can carry.
    public static let maxTextCharacters = 500

    public init(code: String, text: String) throws(DomainError) {
        let codeOK = (1...Self.maxCodeLength).contains(code.utf8.count)
            && code.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
        guard codeOK else {
            throw .invalid("purpose.code", "must be 1–64 characters of a–z, 0–9 and '-'")
        }
        try FreeText.validate(text, field: "purpose.text", maxCharacters: Self.maxTextCharacters)
        self.code = code
        self.text = text
    }

    public init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case code, text }
        let c = try decoder.container(keyedBy: Keys.self)
        try self.init(code: c.decode(String.self, forKey: .code), text: c.decode(String.self, forKey: .text))
    }
}

extension String {
    public var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return Substring(scalars[first...last])
    }
}
