import Foundation
import SamtykkeCore
import SamtykkeJOSE
@testable import SamtykkeServer
import TestSupport
import Testing

/// A consent token is signed once and presented for its lifetime, and only while it says what a
/// fresh one would; whether the consent may be used is still decided on every bundle request.
@Suite(.heavy) struct ConsentTokenReuseTests {
    @Test func bundlesInARowShareOneTokenAndARevokeStillStopsThem() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person, maxUses: 5)
            let citizen = try await run.citizen(person)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 201)
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 201)
            // As the agency received them.
            let presented = { run.stack.agencyTraffic.tokens }
            #expect(presented().count == 2 && !presented().contains(nil))
            #expect(Set(presented()).count == 1, "each bundle signed its own token")

            let other = try await run.createConsent(for: person)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(other)/grant").status == 200)
            #expect(try await run.bank.send("POST", "/v1/consents/\(other)/bundles").status == 201)
            #expect(presented().count == 3 && Set(presented()).count == 2, "another consent got the first one's token")

            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/revoke").status == 200)
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 409)
            #expect(presented().count == 3, "a revoked consent reached the agency")
        }
    }

    static func claims(_ consent: Consent, audience: String = "agency", now: Date) -> ConsentTokenClaims {
        ConsentTokenClaims(consent: consent, issuer: "broker", audience: audience, clientCertificateSHA256: "cert", now: now, lifetime: 60)
    }

    /// An active consent, as the bundle service signs tokens for.
    static func consent() throws -> Consent {
        try TestConsent.active(
            person: try PersonID(try ConsentFlowTests.person), bank: try OrgNumber("986352325"), scopes: [.income], years: [2024], purpose: "Refinancing"
        )
    }

    @Test func aTokenIsReusedOnlyWhileItLivesAndFits() async throws {
        let cache = ConsentTokenCache(capacity: 2, minRemaining: 15)
        let consent = try Self.consent()
        let signedAt = Date()
        await cache.keep("token", claims: Self.claims(consent, now: signedAt), for: consent.id, now: signedAt)

        let later = signedAt.addingTimeInterval(40)
        #expect(await cache.token(matching: Self.claims(consent, now: later), for: consent.id, now: later) == "token")
        // Another audience (or issuer, certificate, terms) needs a token of its own.
        #expect(await cache.token(matching: Self.claims(consent, audience: "other", now: later), for: consent.id, now: later) == nil)

        await cache.keep("token", claims: Self.claims(consent, now: signedAt), for: consent.id, now: signedAt)
        let late = signedAt.addingTimeInterval(46)
        #expect(await cache.token(matching: Self.claims(consent, now: late), for: consent.id, now: late) == nil, "under 15 s left")
    }

    @Test func theCacheStaysWithinItsCapacity() async throws {
        let cache = ConsentTokenCache(capacity: 2, minRemaining: 15)
        let now = Date()
        let consents = try (0..<3).map { _ in try Self.consent() }
        for (index, consent) in consents.enumerated() {
            await cache.keep("token-\(index)", claims: Self.claims(consent, now: now.addingTimeInterval(Double(index))), for: consent.id, now: now)
        }
        var kept: [String?] = []
        for consent in consents { kept.append(await cache.token(matching: Self.claims(consent, now: now), for: consent.id, now: now)) }
        #expect(kept == [nil, "token-1", "token-2"], "the one closest to its end goes first")
    }
}
