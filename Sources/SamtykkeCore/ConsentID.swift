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

    public var description: String { uuid.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
