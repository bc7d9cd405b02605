import Foundation

extension UUID {
    /// An RFC 9562 version 4 UUID from the system's random source (getrandom(2)). Foundation's
    /// `UUID()` on Linux opens, reads and closes /dev/urandom on every call: a bundle, a consent
    /// token, an idempotency claim and a delivery lease each want one. (Foundation's own
    /// `random(using:)` needs macOS 26.)
    public static func randomVersion4() -> UUID {
        var random = SystemRandomNumberGenerator()
        return rfc9562(version: 4, high: random.next(), low: random.next())
    }

    /// The RFC 9562 UUID of `version` holding `high` and `low` as its 128 bits, big-endian, except
    /// where the version (the high nibble of byte 6) and the variant `10` (the top bits of byte 8) go.
    static func rfc9562(version: UInt8, high: UInt64, low: UInt64) -> UUID {
        UUID(high: high & ~0xF000 | UInt64(version) << 12, low: low & ~(0xC0 << 56) | 0x80 << 56)
    }

    /// The UUID whose 128 bits are `high` and `low`, big-endian.
    init(high: UInt64, low: UInt64) {
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        self.init(uuid: (
            byte(high, 56), byte(high, 48), byte(high, 40), byte(high, 32), byte(high, 24), byte(high, 16), byte(high, 8), byte(high, 0),
            byte(low, 56), byte(low, 48), byte(low, 40), byte(low, 32), byte(low, 24), byte(low, 16), byte(low, 8), byte(low, 0)
        ))
    }
}
