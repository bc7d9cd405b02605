import AgencyClient
import Testing
import TestSupport

/// Which agency failures are retried, and how long the broker waits between attempts.
@Suite(.sameOnEveryBackend) struct RetryPolicyTests {
    @Test(arguments: [
        (AgencyError.unreachable("connection refused"), true),
        (.timeout("deadline"), true),
        (.malformedBody("not JSON"), true),
        (.status(502, "bad gateway"), true),
        (.status(503, "unavailable"), true),
        (.status(504, "gateway timeout"), true),
        (.status(429, "slow down"), true),
        (.status(500, "internal"), false),
        (.status(400, "bad request"), false),
        (.status(403, "forbidden"), false),
        (.tls("certificate refused"), false),
        (.personUnknown, false),
    ])
    func onlyFailuresAnotherAttemptMayCureAreRetried(_ error: AgencyError, _ retryable: Bool) {
        #expect(RetryPolicy.isRetryable(error) == retryable, "\(error)")
    }

    /// With release against the log a token is good for one release: an attempt that reached the
    /// agency is repeated only when the agency said it released nothing and is busy.
    @Test(arguments: [
        (AgencyError.unreachable("connection refused"), false, true),
        (.unreachable("connection reset"), true, false),
        (.timeout("deadline"), true, false),
        (.malformedBody("not JSON"), true, false),
        (.status(502, "bad gateway"), true, false),
        (.status(504, "gateway timeout"), true, false),
        (.status(503, "unavailable"), true, true),
        (.status(429, "slow down"), true, true),
        (.status(403, "released before"), true, false),
        (.tls("certificate refused"), false, false),
    ])
    func aSingleUseTokenIsRetriedOnlyWhenTheAgencyReleasedNothing(_ error: AgencyError, _ reachedAgency: Bool, _ retryable: Bool) {
        #expect(RetryPolicy.isRetryable(error, singleUseToken: true, reachedAgency: reachedAgency) == retryable, "\(error)")
        #expect(RetryPolicy.isRetryable(error, singleUseToken: false, reachedAgency: reachedAgency) == RetryPolicy.isRetryable(error), "\(error)")
    }

    @Test func backoffIsFullJitterUnderAGrowingCeilingCappedAtTheMaximum() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(800))
        for (attempt, ceiling) in [(0, 100), (1, 200), (2, 400), (3, 800), (4, 800), (30, 800)] {
            let delays = (0..<400).map { _ in policy.delay(afterAttempt: attempt) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(ceiling) }, "attempt \(attempt)")
            // Jitter: spread over the whole range, not pinned to the ceiling (or to zero).
            #expect(delays.contains { $0 < .milliseconds(ceiling) / 4 } && delays.contains { $0 > .milliseconds(ceiling) * 3 / 4 }, "attempt \(attempt)")
        }
    }
}
