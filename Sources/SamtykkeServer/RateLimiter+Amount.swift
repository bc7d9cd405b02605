extension RateLimiter.Rule {
    /// A positive, finite number of requests (per second, or at once). Values from outside go
    /// through the failable `init(_:)`; a literal in the code is the programmer's constant, and a
    /// wrong one stops the program the first time it is read.
    public struct Amount: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
        public let value: Double

        public init?(_ value: Double) {
            guard value.isFinite, value > 0 else { return nil }
            self.value = value
        }

        public init(integerLiteral value: Int) {
            self.init(literal: Double(value))
        }

        public init(floatLiteral value: Double) {
            self.init(literal: value)
        }

        private init(literal: Double) {
            guard let amount = Self(literal) else { preconditionFailure("a rate limit must be a positive number of requests, not \(literal)") }
            self = amount
        }
    }
}
