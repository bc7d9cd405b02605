import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// Citizens' sessions, the logins under way and banks' redirect URIs (SPEC §2b).
extension StoreContractTests {
    @Test(arguments: Backend.available)
    func aSessionIsFoundByItsTokensHashUntilItExpiresOrEnds(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let (token, session) = CitizenSession.issue(for: person, now: now)
            try await t.store.addCitizenSession(session, now: now)
            let found = try #require(try await t.store.citizenSession(idHash: CitizenSession.hash(token), now: now.addingTimeInterval(60)))
            #expect(found == session && found.expiresAt == now.addingTimeInterval(30 * 60))
            // Not by the token itself: the store never saw it.
            #expect(try await t.store.citizenSession(idHash: Array(token.utf8.prefix(32)), now: now) == nil)
            #expect(try await t.store.citizenSession(idHash: session.idHash, now: session.expiresAt) == nil)
            #expect(try await t.store.endCitizenSession(idHash: session.idHash))
            #expect(try await !t.store.endCitizenSession(idHash: session.idHash))
            #expect(try await t.store.citizenSession(idHash: session.idHash, now: now) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func aSessionLivesAtMostThirtyMinutesAndExpiredOnesAreForgotten(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let old = CitizenSession.issue(for: person, now: now, lifetime: 86_400).session
            #expect(old.expiresAt == now.addingTimeInterval(CitizenSession.lifetime))
            try await t.store.addCitizenSession(old, now: now)
            let later = now.addingTimeInterval(CitizenSession.lifetime + 1)
            try await t.store.addCitizenSession(CitizenSession.issue(for: person, now: later).session, now: later)
            // The expired row is gone, not merely hidden: ending it finds nothing.
            #expect(try await !t.store.endCitizenSession(idHash: old.idHash))
        }
    }

    @Test(arguments: Backend.available)
    func aPendingLoginIsTakenOnceBeforeItExpires(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let state = SessionSecret.random()
            let login = PendingLogin(
                stateHash: CitizenSession.hash(state), nonce: "n", codeVerifier: SessionSecret.random(), returnTo: "/me", expiresAt: now.addingTimeInterval(600)
            )
            try await t.store.addPendingLogin(login, now: now)
            #expect(try await t.store.takePendingLogin(stateHash: CitizenSession.hash("forged"), now: now) == nil)
            #expect(try await t.store.takePendingLogin(stateHash: CitizenSession.hash(state), now: now) == login)
            #expect(try await t.store.takePendingLogin(stateHash: CitizenSession.hash(state), now: now) == nil)

            let stale = PendingLogin(stateHash: CitizenSession.hash("s2"), nonce: "n", codeVerifier: "v", returnTo: "/me", expiresAt: now.addingTimeInterval(1))
            try await t.store.addPendingLogin(stale, now: now)
            #expect(try await t.store.takePendingLogin(stateHash: stale.stateHash, now: now.addingTimeInterval(1)) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func redirectURIsAreExactPerBankAndAConsentKeepsItsOwn(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            let back = try RedirectURI("https://bank.example/back?x=1")
            let local = try RedirectURI("http://127.0.0.1:9000/cb")
            #expect(try await t.store.addRedirectURI(back, org: bank, now: now))
            #expect(try await !t.store.addRedirectURI(back, org: bank, now: now))
            #expect(try await t.store.addRedirectURI(local, org: bank, now: now.addingTimeInterval(1)))
            #expect(try await t.store.redirectURIs(of: bank) == [back, local])
            #expect(try await t.store.redirectURIs(of: otherBank).isEmpty)
            #expect(try await !t.store.removeRedirectURI(back, org: otherBank))
            #expect(try await t.store.removeRedirectURI(back, org: bank))
            #expect(try await t.store.redirectURIs(of: bank) == [local])
            let unknown = try OrgNumber("923609016")
            await #expect(throws: StorageError.bankNotFound(unknown)) { try await t.store.addRedirectURI(back, org: unknown, now: now) }

            let log = LogSequencer(store: t.store, signer: signer)
            let terms = try request().terms
            let consent = Consent(bankOrg: bank, terms: terms, redirectURL: local, now: now, policy: ConsentPolicy())
            let created = try await log.commit(Change(.create(consent)), at: now).outcome.acceptedConsent()
            #expect(try await t.store.consent(created.id, for: .citizen(person)).redirectURL == local)
            let granted = try await log.commit(Change(.act(created.id, by: .citizen(person), .grant(by: person))), at: now).outcome.acceptedConsent()
            #expect(granted.redirectURL == local)
            #expect(try await t.store.consent(created.id, for: .bank(bank)).redirectURL == local)
        }
    }
}
