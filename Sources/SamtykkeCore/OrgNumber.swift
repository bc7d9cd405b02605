/// A Norwegian organisation number (Enhetsregisteret): 9 digits, the last a mod-11 check digit.
public struct OrgNumber: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let digits: String

    public init(_ text: String) throws(DomainError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 9, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalid("bankOrg", "must be exactly 9 digits")
        }
        let d = bytes.map { Int($0 - 0x30) }
        guard let k = PersonID.checkDigit(d, weights: [3, 2, 7, 6, 5, 4, 3, 2]), k == d[8] else {
            throw .invalid("bankOrg", "check digit does not match")
        }
        self.digits = text
    }

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
