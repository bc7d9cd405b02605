import Foundation
import HTTPTypes
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

    /// What one request found in its caller's bucket, for the answer's headers.
    struct Admission: Sendable, Hashable {
        /// Seconds until a token is available; nil when the request was let through.
        let wait: Int?
        /// Whole tokens left once this request took its own.
        let remaining: Int
        /// Seconds until the bucket is full again.
        let reset: Int
    }

    /// Takes one token for `key`; nil when allowed, else the seconds until one is available.
    func take(for key: some Hashable & Sendable, now: ContinuousClock.Instant = .now) -> Int? {
        admit(key, now: now).wait
    }

    /// Takes one token for `key` if it has one, and says what is left.
    func admit(_ key: some Hashable & Sendable, now: ContinuousClock.Instant = .now) -> Admission {
        withBucket(for: key, now: now) { bucket in
            let wait: Int?
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                wait = nil
            } else {
                wait = self.wait(for: bucket)
            }
            let reset = Int(((rule.burst - bucket.tokens) / rule.perSecond).rounded(.up))
            return Admission(wait: wait, remaining: max(0, Int(bucket.tokens.rounded(.down))), reset: reset)
        }
    }

    /// The `RateLimit-Policy` item of draft-ietf-httpapi-ratelimit-headers: `burst` requests (`q`)
    /// per the seconds an empty bucket takes to fill again (`w`).
    func policyField(named name: String) -> String {
        "\"\(name)\";q=\(Int(rule.burst));w=\(max(1, Int((rule.burst / rule.perSecond).rounded(.up))))"
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

/// Applies the caller's rate limit; placed after authentication, so the caller is known. Every
/// answer to a limited caller, a refusal or not, says where it stands as
/// draft-ietf-httpapi-ratelimit-headers writes it: `RateLimit-Policy: "bank";q=200;w=4` and
/// `RateLimit: "bank";r=57;t=3` (requests left, seconds until the bucket is full).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter
    /// The policy's name in the headers.
    let policy: String

    static let policyHeader = HTTPField.Name("RateLimit-Policy")!
    static let stateHeader = HTTPField.Name("RateLimit")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = context.caller else { return try await next(request, context) }
        let admission = limiter.admit(caller)
        context.answerHeaders[Self.policyHeader] = limiter.policyField(named: policy)
        context.answerHeaders[Self.stateHeader] = "\"\(policy)\";r=\(admission.remaining);t=\(admission.reset)"
        if let wait = admission.wait { throw Problem.rateLimited(wait: wait) }
        return try await next(request, context)
    }
}

extension Problem {
    /// A caller over its rate, counted in the metrics.
    static func rateLimited(wait: Int) -> Problem {
        Counter(label: SamtykkeMetrics.rateLimited).increment()
        return Problem(.tooManyRequests, "rate-limited", "Too many requests", detail: "slow down; retry after \(wait) s", retryAfter: wait)
    }
}
