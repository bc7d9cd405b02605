import Foundation

extension UUID {
    /// An RFC 9562 version 4 UUID drawn from the system's random source (getrandom(2)) by
    /// Foundation's `random(using:)`. Foundation's `UUID()` on Linux opens, reads and closes
    /// /dev/urandom on every call: a bundle, a consent token, an idempotency claim and a delivery
    /// lease each want one.
    public static func randomVersion4() -> UUID {
        var generator = SystemRandomNumberGenerator()
        return UUID.random(using: &generator)
    }
}
