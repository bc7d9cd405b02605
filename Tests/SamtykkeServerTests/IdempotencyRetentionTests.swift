import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import SamtykkeCore
import SamtykkeServer
import SamtykkeStore
import Synchronization
import Testing
import TestSupport

/// A clock the test moves, for the broker's `clock`.
final class MovableClock: Sendable {
    private let current = Mutex(Date())

    var now: Date { current.withLock { $0 } }

    func advance(by interval: TimeInterval) {
        current.withLock { $0.addTimeInterval(interval) }
    }
}

/// What an `Idempotency-Key` keeps, how long, and that a bundle kept for a retry is never handed
/// out once the consent has ended.
@Suite(.sameOnEveryBackend) struct IdempotencyRetentionTests {
    static let keyHeader = HTTPField.Name("Idempotency-Key")!

    /// The harness on a clock the test moves.
    static func harness() async throws -> (RouterHarness, MovableClock) {
        var harness = try await RouterHarness.make()
        let clock = MovableClock()
        harness.settings.clock = { clock.now }
        return (harness, clock)
    }

    /// Creates a consent the citizen granted; its id.
    static func activeConsent(_ harness: RouterHarness, _ client: any TestClientProtocol, validFor: TimeInterval = 86_400) async throws -> String {
        let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request(validFor: validFor))
        let id = try #require(created.json["id"] as? String)
        let granted = try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: try await harness.citizenToken())
        #expect(granted.status == .ok, "\(String(buffer: granted.body))")
        return id
    }

    @Test func theExpirySweepForgetsARecordPastItsDay() async throws {
        let (harness, clock) = try await Self.harness()
        let body = RouterHarness.request()
        let started = clock.now
        var hasher = SHA256()
        hasher.update(data: Array("POST /v1/consents\n".utf8))
        hasher.update(data: body)
        let key = IdempotencyKey(bank: RouterHarness.bank, key: "loan-7", requestHash: Array(hasher.finalize()), abandonAfter: 21)
        var options = ServerOptions(port: 0)
        options.expirySweepInterval = .milliseconds(20)
        try await harness.test(options: options) { client in
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: body, headers: [Self.keyHeader: key.key])
            #expect(created.status == .created)
            // Asked as of its creation, the record is there: a retry then would replay.
            guard case .replay(.consentCreated) = try await harness.store.claim(key, now: started) else {
                Issue.record("the finished record is not there")
                return
            }
            clock.advance(by: harness.settings.limits.idempotencyRetention + 60)
            // Once the sweep has run past the day, the record is gone: the same question finds the
            // key free (and claims it, which ends the test).
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while case .replay = try await harness.store.claim(key, now: started) {
                guard ContinuousClock.now < deadline else {
                    Issue.record("the sweep did not forget the record within 10 s")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test func aRetryAfterTheCitizenRevokedGetsTheRefusalAndNoBundle() async throws {
        let (harness, _) = try await Self.harness()
        try await harness.test { client in
            let id = try await Self.activeConsent(harness, client)
            let key: HTTPFields = [Self.keyHeader: "bundle-1"]
            let issued = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey, headers: key)
            #expect(issued.status == .created && issued.json["bundle"] is String, "\(String(buffer: issued.body))")
            let revoked = try await client.send(.post, "/v1/me/consents/\(id)/revoke", bearer: try await harness.citizenToken())
            #expect(revoked.status == .ok, "\(String(buffer: revoked.body))")

            let retry = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey, headers: key)
            #expect(retry.status == .conflict, "\(String(buffer: retry.body))")
            #expect(retry.json["type"] as? String == Problem.typeBase + "consent-state")
            #expect(retry.json["bundle"] == nil && retry.json["auditReceipt"] == nil)
            #expect(retry.json["detail"] as? String == "consent is revoked, not active", "\(String(buffer: retry.body))")
            // The revoke deleted the record kept for the retry, so the retry was a new request,
            // refused and logged like any other.
            let log = try await harness.store.logEntries(LogQuery(limit: 100, consentId: try ConsentID(id)))
            let types = try log.map { try LogLeaf(leafBytes: $0.leaf).type }
            #expect(types.suffix(2) == [.consentRevoked, .bundleRefused], "\(types)")
        }
    }

    @Test func aRetryOnceTheConsentRanOutGetsNoBundleBeforeTheSweepMarksIt() async throws {
        let (harness, clock) = try await Self.harness()
        // No sweep during the test once the first (at start) has run.
        var options = ServerOptions(port: 0)
        options.expirySweepInterval = .seconds(3600)
        try await harness.test(options: options) { client in
            // An hour, so its end comes well within the day its record is kept.
            let id = try await Self.activeConsent(harness, client, validFor: 3600)
            let key: HTTPFields = [Self.keyHeader: "bundle-2"]
            let issued = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey, headers: key)
            #expect(issued.status == .created, "\(String(buffer: issued.body))")
            let shown = try await client.send(.get, "/v1/consents/\(id)", bearer: harness.bankKey)
            let text = try #require(shown.json["validUntil"] as? String)
            let validUntil = try #require(RFC3339.date(from: text))
            clock.advance(by: validUntil.timeIntervalSince(clock.now) + 1)

            // The record and its sealed copy are still there (the consent is stored as active), but
            // the consent's time is up: the replay is refused, never the bundle.
            let retry = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey, headers: key)
            #expect(retry.status == .conflict, "\(String(buffer: retry.body))")
            #expect(retry.json["type"] as? String == Problem.typeBase + "consent-state")
            #expect(retry.json["bundle"] == nil)
            #expect((retry.json["detail"] as? String)?.hasPrefix("consent expired at ") == true, "\(String(buffer: retry.body))")
        }
    }
}
