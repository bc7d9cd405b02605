/// A Norwegian national identity number: an 11-digit fødselsnummer or D-number whose two mod-11
/// check digits hold. Synthetic test numbers (month + 80, as in Skatteetaten's Tenor test data) are
/// accepted so the whole product runs on made-up people.
///
/// The only way to get one is through validation, so a `PersonID` in hand is always well formed.
public struct PersonID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case birthNumber = "fødselsnummer"
        case dNumber = "d-number"
    }

    public let digits: String
    public let kind: Kind
    /// True for synthetic test identities (month + 80).
    public let isSynthetic: Bool

    public init(_ text: String) throws(DomainError) {
        (kind, isSynthetic) = try Self.read(Array(text.utf8))
        digits = text
    }

    /// What `bytes` are, if they spell a valid number: `init`'s one check, which the log's leaf
    /// scanner also runs on the bytes where they lie.
    static func read(_ bytes: some RandomAccessCollection<UInt8>) throws(DomainError) -> (kind: Kind, isSynthetic: Bool) {
        guard bytes.count == 11, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalid("personId", "must be exactly 11 digits")
        }
        let d = { (position: Int) in Int(bytes[bytes.index(bytes.startIndex, offsetBy: position)] - 0x30) }
        var day = d(0) * 10 + d(1)
        var month = d(2) * 10 + d(3)
        var kind = Kind.birthNumber
        if day > 40 {
            day -= 40
            kind = .dNumber
        }
        var synthetic = false
        if month > 80 {
            month -= 80
            synthetic = true
        }
        guard (1...12).contains(month), (1...31).contains(day) else {
            throw .invalid("personId", "does not start with a valid date of birth")
        }
        guard let k1 = checkDigit(d, weights: firstWeights), k1 == d(9), let k2 = checkDigit(d, weights: secondWeights), k2 == d(10) else {
            throw .invalid("personId", "check digits do not match")
        }
        return (kind, synthetic)
    }

    private static let firstWeights = [3, 7, 6, 1, 8, 9, 4, 5, 2]
    private static let secondWeights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]

    /// Mod-11 check digit over the leading `weights.count` digits; nil where the remainder makes
    /// the number impossible.
    static func checkDigit(_ digit: (Int) -> Int, weights: [Int]) -> Int? {
        let sum = weights.indices.reduce(0) { $0 + digit($1) * weights[$1] }
        let k = 11 - sum % 11
        if k == 11 { return 0 }
        if k == 10 { return nil }
        return k
    }

    public var description: String { digits }

    public static func < (lhs: PersonID, rhs: PersonID) -> Bool { lhs.digits < rhs.digits }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}
