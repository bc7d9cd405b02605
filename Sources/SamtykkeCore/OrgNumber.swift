/// A Norwegian organisation number (Enhetsregisteret): 9 digits, the last a mod-11 check digit.
public struct OrgNumber: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let digits: String

    public init(_ text: String) throws(DomainError) {
        try Self.check(Array(text.utf8))
        digits = text
    }

    /// `init`'s one check, which the log's leaf scanner also runs on the bytes where they lie.
    static func check(_ bytes: some RandomAccessCollection<UInt8>) throws(DomainError) {
        guard bytes.count == 9, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalid("bankOrg", "must be exactly 9 digits")
        }
        let d = { (position: Int) in Int(bytes[bytes.index(bytes.startIndex, offsetBy: position)] - 0x30) }
        guard let k = PersonID.checkDigit(d, weights: weights), k == d(8) else {
            throw .invalid("bankOrg", "check digit does not match")
        }
    }

    private static let weights = [3, 2, 7, 6, 5, 4, 3, 2]

    public var description: String { digits }

    public static func < (lhs: OrgNumber, rhs: OrgNumber) -> Bool { lhs.digits < rhs.digits }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}
