import Testing
import TestSupport
@testable import SamtykkeServer

/// The token bucket behind every rate limit, on a clock the test moves.
@Suite(.sameOnEveryBackend) struct RateLimiterTests {
    @Test func aRuleCannotHoldAZeroNegativeOrEndlessRate() {
        for value: Double in [0, -1, -0.0, .nan, .infinity, -.infinity] {
            #expect(RateLimiter.Rule.Amount(value) == nil, "\(value)")
        }
        let tenth: Double = 0.1
        #expect(RateLimiter.Rule.Amount(tenth)?.value == 0.1)
    }

    /// Half a token a second, three at most: three requests at once, then one every two seconds,
    /// each caller from a bucket of its own.
    @Test func aBurstThenOneRequestPerRefill() {
        let limiter = RateLimiter(rule: RateLimiter.Rule(perSecond: 0.5, burst: 3))
        let start = ContinuousClock.now
        #expect((0..<3).map { _ in limiter.take(for: "caller", now: start) } == [nil, nil, nil])
        #expect(limiter.take(for: "caller", now: start) == 2)
        #expect(limiter.take(for: "other", now: start) == nil)
        #expect(limiter.take(for: "caller", now: start + .seconds(1)) == 1)
        #expect(limiter.take(for: "caller", now: start + .seconds(2)) == nil)
        #expect(limiter.take(for: "caller", now: start + .seconds(2)) == 2)
    }
}
