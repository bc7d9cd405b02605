import Foundation
import Hummingbird
import Metrics
import Synchronization

/// A token bucket per authenticated caller: `burst` requests at once, refilled at `perSecond`.
/// Over the limit the answer is 429 with `Retry-After`, so one bank's burst cannot starve the others.
/// In memory: with several broker instances each enforces its own share.
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
    private let buckets = Mutex<[Caller: Bucket]>([:])

    public init(rule: Rule) { self.rule = rule }

    /// Takes one token for `caller`; nil when allowed, else the seconds until one is available.
    func take(for caller: Caller, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[caller] ?? Bucket(tokens: rule.burst, updated: now)
            let elapsed = Double(bucket.updated.duration(to: now).components.seconds)
                + Double(bucket.updated.duration(to: now).components.attoseconds) / 1e18
            bucket.tokens = min(rule.burst, bucket.tokens + elapsed * rule.perSecond)
            bucket.updated = now
            defer {
                buckets[caller] = bucket
                // Full buckets carry no information; dropping them keeps memory bounded by active callers.
                if buckets.count > 10_000 { buckets = buckets.filter { $0.value.tokens < rule.burst } }
            }
            guard bucket.tokens >= 1 else { return Int(((1 - bucket.tokens) / rule.perSecond).rounded(.up)) }
            bucket.tokens -= 1
            return nil
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
