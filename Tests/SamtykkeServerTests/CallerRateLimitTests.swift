import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeServer
import Testing
import TestSupport

/// Each authenticated caller has its own bucket: banks and citizens at `limits.rate`, auditors, who
/// read the whole log, at `limits.auditRate`.
@Suite(.sameOnEveryBackend) struct CallerRateLimitTests {
    @Test func auditorsAndBanksHaveTheirOwnBuckets() async throws {
        var made = try await RouterHarness.make()
        // Buckets that do not refill during the test, however slow the machine.
        made.settings.limits.rate = RateLimiter.Rule(perSecond: 0.001, burst: 2)
        made.settings.limits.auditRate = RateLimiter.Rule(perSecond: 0.001, burst: 5)
        let harness = made
        let auditor = try await harness.store.addAuditor(name: "Finanstilsynet", now: Date()).text
        try await harness.test { client in
            var bank: [HTTPResponse.Status] = []
            for _ in 0..<3 { bank.append(try await client.send(.get, "/v1/consents", bearer: harness.bankKey).status) }
            #expect(bank == [.ok, .ok, .tooManyRequests])

            // A bank that used its bucket up leaves the auditor's untouched, and the other way round.
            var audit: [HTTPResponse.Status] = []
            for _ in 0..<6 { audit.append(try await client.send(.get, "/v1/audit/entries", bearer: auditor).status) }
            #expect(audit == Array(repeating: .ok, count: 5) + [.tooManyRequests])
            let limited = try await client.send(.get, "/v1/audit/openings", bearer: auditor)
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            #expect(try await client.send(.get, "/v1/consents", bearer: harness.otherBankKey).status == .ok)
        }
    }
}
