/// How the broker retries the agency: only the idempotent data read, only on failures that another
/// attempt may cure, with full-jitter exponential backoff, and never past the request's deadline.
///
/// Hand-written: no maintained Swift retry library is in our package mirror, and the policy is a
/// dozen lines that the bundle deadline must shape anyway.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The longest a single attempt may take; the deadline may cut it shorter.
    public var attemptTimeout: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(1), attemptTimeout: Duration = .seconds(4)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.attemptTimeout = attemptTimeout
    }

    /// Whether another attempt may succeed where this one failed. TLS failures, unknown people and
    /// client errors are answers, not accidents: repeating them only adds load.
    public static func isRetryable(_ error: AgencyError) -> Bool {
        switch error {
        case .unreachable, .timeout, .malformedBody: true
        case .status(let code, _): code == 502 || code == 503 || code == 504 || code == 429
        case .tls, .personUnknown: false
        }
    }

    /// Whether to try again with the same consent token when it is good for one release only, as
    /// with release against the log (SPEC §5: one `data.requested` entry, one release). An attempt
    /// that may have reached the agency may have spent the token, and the same token again would
    /// only be refused as a second release (and read as a replay at the agency): such a token is
    /// tried again only when the request never left (`reachedAgency` false: no connection) or the
    /// agency answered that it released nothing and is busy (429, 503). A lost answer is the bank's
    /// to retry, which logs a new entry.
    public static func isRetryable(_ error: AgencyError, singleUseToken: Bool, reachedAgency: Bool) -> Bool {
        guard isRetryable(error) else { return false }
        guard singleUseToken, reachedAgency else { return true }
        if case .status(let code, _) = error { return code == 429 || code == 503 }
        return false
    }

    /// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in
    /// [0, min(maxDelay, baseDelay · 2^attempt)], which spreads a burst of retries instead of
    /// synchronising them.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt, 20)))
        let nanoseconds = Double(ceiling.components.seconds) * 1e9 + Double(ceiling.components.attoseconds) / 1e9
        return .nanoseconds(Int64(Double.random(in: 0...nanoseconds)))
    }
}
