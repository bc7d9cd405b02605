import Foundation
import SamtykkeStore
import Testing
import TestSupport
@testable import SamtykkeServer

/// An auditor's key, revoked by `samtykke auditor revoke`, is refused within a second, as a bank's is.
@Suite(.sameOnEveryBackend) struct AuditorRevocationTests {
    @Test func aRevokedAuditorKeyIsRefusedWithinASecond() async throws {
        let harness = try await RouterHarness.make()
        let key = try await harness.store.addAuditor(name: "Finanstilsynet", now: Date())
        try await harness.test { client in
            #expect(try await client.send(.get, "/v1/audit/entries?start=0&limit=1", bearer: key.text).status == .ok)
            #expect(try await harness.store.revokeAuditor("Finanstilsynet", now: Date()) == "Finanstilsynet")
            try await Task.sleep(for: .milliseconds(1100))
            let refused = try await client.send(.get, "/v1/audit/entries?start=0&limit=1", bearer: key.text)
            #expect(refused.status == .unauthorized, "\(String(buffer: refused.body))")
        }
    }
}
