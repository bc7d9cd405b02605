import Foundation
import SamtykkeApp
import SamtykkeDemo
import SamtykkeCore
import SamtykkeServer
import TestSupport
import Testing

/// Each authenticated caller has its own token bucket: over it, 429 with `Retry-After`; others go on.
@Suite(.heavy, .serialized) struct RateLimitTests {
    @Test func aBurstOverTheLimitGets429WithRetryAfterAndOthersAreUnaffected() async throws {
        try await withTemporaryDirectory { dir in
            _ = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: try await TestBackend.store(in: dir), customize: { broker in
                // A bucket that does not refill during the test, however slow the machine.
                broker.limits.rate = RateLimiter.Rule(perSecond: 0.001, burst: 5)
            }) { stack in
                let a = try await stack.broker.store.addBank(org: try OrgNumber("986352325"), name: "A", now: Date())
                let b = try await stack.broker.store.addBank(org: try OrgNumber("974760673"), name: "B", now: Date())
                let bankA = Caller(server: stack.brokerURL, credential: a.text)
                let missing = "/v1/consents/\(UUID().uuidString.lowercased())"
                for _ in 0..<5 { #expect(try await bankA.send("GET", missing).status == 404) }
                let limited = try await bankA.send("GET", missing)
                #expect(limited.status == 429)
                #expect(limited.header("Content-Type") == "application/problem+json")
                // One token per 1000 s: the wait is at most that, less if the burst took a while.
                #expect((1...1000).contains(Int(limited.header("Retry-After") ?? "") ?? 0))
                #expect(try await Caller(server: stack.brokerURL, credential: b.text).send("GET", missing).status == 404)
                // Unauthenticated and public requests are not counted against anyone.
                #expect(try await Caller(server: stack.brokerURL, credential: nil).send("GET", "/healthz").status == 200)
            }
        }
    }
}
