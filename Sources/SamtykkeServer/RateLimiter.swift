import Foundation
import Hummingbird
import Metrics
import Synchronization

/// A token bucket per key (a caller, or an address): `burst` requests at once, refilled at
/// `perSecond`. Over the limit the answer is 429 with `Retry-After`, so one caller's burst cannot
/// starve the others. In memory: with several broker instances each enforces its own share.
public final class RateLimiter: Sendable {
    /// How many requests a caller may make: `burst` at once, refilled at `perSecond`. Both are
    /// `Amount`s, so a rule can never hold a rate that stalls every caller or divides by zero.
    public struct Rule: Sendable, Hashable {
        public let perSecond: Double
        public let burst: Double

        public init(perSecond: Amount, burst: Amount) {
            self.perSecond = perSecond.value
            self.burst = burst.value
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let rule: Rule
    private let buckets = Mutex<[AnyHashable: Bucket]>([:])

    public init(rule: Rule) { self.rule = rule }

    /// Takes one token for `key`; nil when allowed, else the seconds until one is available.
    func take(for key: some Hashable & Sendable, now: ContinuousClock.Instant = .now) -> Int? {
        withBucket(for: key, now: now) { bucket in
            guard bucket.tokens >= 1 else { return wait(for: bucket) }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Whether `key` has a token, without taking it: nil when it has, else the seconds until it will.
    func wait(for key: some Hashable & Sendable, now: ContinuousClock.Instant = .now) -> Int? {
        withBucket(for: key, now: now) { bucket in bucket.tokens >= 1 ? nil : wait(for: bucket) }
    }

    /// Takes a token for a request `wait(for:)` let through, even one `key` no longer has: requests
    /// that ran at the same time all pay, and a debt is paid back by waiting.
    func spend(for key: some Hashable & Sendable, now: ContinuousClock.Instant = .now) {
        withBucket(for: key, now: now) { bucket in bucket.tokens -= 1 }
    }

    private func wait(for bucket: Bucket) -> Int {
        Int(((1 - bucket.tokens) / rule.perSecond).rounded(.up))
    }

    private func withBucket<T>(for key: some Hashable & Sendable, now: ContinuousClock.Instant, _ body: (inout Bucket) -> T) -> T {
        buckets.withLock { buckets in
            let key = AnyHashable(key)
            var bucket = buckets[key] ?? Bucket(tokens: rule.burst, updated: now)
            let elapsed = bucket.updated.duration(to: now)
            bucket.tokens = min(rule.burst, bucket.tokens + elapsed.seconds * rule.perSecond)
            bucket.updated = now
            let result = body(&bucket)
            buckets[key] = bucket
            // Full buckets carry no information; dropping them keeps memory bounded by active keys.
            if buckets.count > 10_000 { buckets = buckets.filter { $0.value.tokens < rule.burst } }
            return result
        }
    }
}

/// Applies the caller's rate limit; placed after authentication, so the caller is known.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let caller = context.caller, let wait = limiter.take(for: caller) {
            Counter(label: SamtykkeMetrics.rateLimited).increment()
            throw Problem(.tooManyRequests, "rate-limited", "Too many requests", detail: "slow down; retry after \(wait) s", retryAfter: wait)
        }
        return try await next(request, context)
    }
}
