import Foundation

/// A consent's identifier: a UUID, written in lower case.
public struct ConsentID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID) { self.uuid = uuid }

    /// A new id: an RFC 9562 version 7 UUID, the Unix time in milliseconds in its first 48 bits and
    /// 74 random bits after. Ids made later sort later, so a new consent's row and every index keyed
    /// by consent grow at their right edge: a batch of new consents dirties a few database pages
    /// instead of one page per consent (random version 4 ids did that, and the pages written were
    /// most of a batch's commit). The time it tells is the consent's `createdAt`, which everyone who
    /// learns the id may see anyway; an id is never a credential, so 74 random bits are plenty.
    public init(madeAt now: Date = Date()) {
        var random = SystemRandomNumberGenerator()
        // Rounded as `createdAt` is stored, so the id names the consent's own millisecond: its 48
        // bits, then the version and 12 random bits (rand_a), then the variant and 62 (rand_b).
        let milliseconds = UInt64(clamping: now.millisecondsSince1970)
        let randA: UInt64 = random.next()
        self.uuid = .rfc9562(version: 7, high: milliseconds << 16 | (randA & 0xFFFF), low: random.next())
    }

    public init(_ text: String) throws(DomainError) {
        guard let uuid = UUID(uuidString: text) else { throw .invalid("id", "is not a consent id") }
        self.uuid = uuid
    }

    /// Written here rather than as `uuidString.lowercased()`: Foundation formats a UUID with
    /// snprintf, and every row a commit reads or writes names its consent, so that and the second
    /// string were a visible part of a batch's cost.
    public var description: String {
        withUnsafeBytes(of: uuid.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var at = 0
                for (offset, byte) in bytes.enumerated() {
                    if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = Hex.digit(byte >> 4)
                    text[at + 1] = Hex.digit(byte & 0x0F)
                    at += 2
                }
                return at
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension ConsentID: Comparable {
    /// The order of their text (hex digits sort as the bytes they spell), without writing the text.
    public static func < (a: Self, b: Self) -> Bool { a.halves < b.halves }

    private var halves: (UInt64, UInt64) {
        withUnsafeBytes(of: uuid.uuid) {
            (UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)), UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}
