import Foundation

extension UUID {
    /// An RFC 9562 version 4 UUID from the system's random source (getrandom(2)). Foundation's
    /// `UUID()` on Linux opens, reads and closes /dev/urandom on every call: a bundle, a consent
    /// token, an idempotency claim and a delivery lease each want one. (Foundation's own
    /// `random(using:)` needs macOS 26.)
    public static func randomVersion4() -> UUID {
        var random = SystemRandomNumberGenerator()
        let a: UInt64 = random.next()
        let b: UInt64 = random.next()
        func byte(_ value: UInt64, _ shift: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: value >> shift) }
        return UUID(uuid: (
            byte(a, 0), byte(a, 8), byte(a, 16), byte(a, 24), byte(a, 32), byte(a, 40),
            0x40 | (byte(a, 48) & 0x0F), byte(a, 56),  // version 4
            0x80 | (byte(b, 0) & 0x3F), byte(b, 8), byte(b, 16), byte(b, 24), byte(b, 32), byte(b, 40), byte(b, 48), byte(b, 56)  // variant 10
        ))
    }
}
