import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// Retention: a consent that ended before the cut leaves the live tables (its row becomes a
/// `ForgottenConsent`, its events, deliveries and idempotency records go); the log keeps every entry,
/// and nothing open or recently ended is touched.
extension StoreContractTests {
    func key(_ name: String) -> IdempotencyKey {
        IdempotencyKey(bank: bank, key: name, requestHash: Array(name.utf8), abandonAfter: 30)
    }

    @Test(arguments: Backend.available)
    func forgettingAnEndedConsentRemovesItsPersonalDataAndKeepsTheLog(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))

            // Asked for first and used up at `now`, with a record of its request and of its bundle, events and a delivery attempt.
            let asked = now.addingTimeInterval(-60)
            let used = try await log.commit(Change(.create(try request(at: asked)), claiming: key("create-used")), at: asked).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(used.id, by: .citizen(person), .grant(by: person))), at: asked)
            guard case .proceed(let bundleClaim) = try await t.store.claim(key("bundle-used"), now: now) else { Issue.record("not claimed"); return }
            let exhausted = try await log.commit(
                Change(.act(used.id, by: .bank(bank), .issueBundle(issue(), for: bank)), completing: IdempotencyCompletion(claim: bundleClaim, sealedBundle: [7, 7, 7])),
                at: now
            ).outcome.acceptedConsent()
            #expect(exhausted.status == .exhausted)
            let later = now.addingTimeInterval(60)
            let jobs = try await t.store.claimDeliveries(now: asked, leaseUntil: later, limit: 10, perEndpoint: 10, lease: "before")
            let settled = try #require(jobs.first { $0.event.consentId == used.id })
            try await t.store.finishDelivery(settled, attempt: attempt(settled, .status(204)), verdict: .delivered, failingAfter: 3)
            // Withdrawn a minute later; a request left pending; one granted and still active; one denied an hour later.
            let withdrawn = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(withdrawn.id, by: .bank(bank), .withdraw(by: bank))), at: later)
            let pending = try await log.commit(Change(.create(try request()), claiming: key("create-pending")), at: now).outcome.acceptedConsent()
            let active = try await log.commit(Change(.create(try request(maxUses: 3))), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(active.id, by: .citizen(person), .grant(by: person))), at: now)
            let recent = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(recent.id, by: .citizen(person), .deny(by: person))), at: now.addingTimeInterval(3600))
            // A delivery of the used-up consent still in flight when the sweep comes.
            let inFlight = try #require(try await t.store.claimDeliveries(now: later, leaseUntil: later.addingTimeInterval(60), limit: 10, perEndpoint: 10, lease: "during")
                .first { $0.event.consentId == used.id })

            let entriesBefore = try await t.store.logEntries(LogQuery(limit: 1000))
            let oldestFirst = try await t.store.consents(ConsentQuery(viewer: .bank(bank), order: .oldestFirst, limit: 1))
            #expect(oldestFirst.map(\.id) == [used.id])

            // The cut: ended before `now` + 2 minutes. One at a time, longest ended first, then nothing more.
            let cut = now.addingTimeInterval(120)
            let sweptAt = now.addingTimeInterval(600)
            #expect(try await t.store.forgetEndedConsents(endedBefore: cut, limit: 1, at: sweptAt) == 1)
            await #expect(throws: StorageError.consentForgotten(ForgottenConsent(
                id: used.id, bankOrg: bank, status: .exhausted, createdAt: asked, endedAt: now, forgottenAt: sweptAt
            ))) { try await t.store.consent(used.id, for: .bank(bank)) }
            #expect(try await t.store.consent(withdrawn.id, for: .bank(bank)).status == .withdrawn)
            #expect(try await t.store.forgetEndedConsents(endedBefore: cut, limit: 10, at: sweptAt) == 1)
            #expect(try await t.store.forgetEndedConsents(endedBefore: cut, limit: 10, at: sweptAt) == 0)

            // Its bank and the citizen the log names are told it was forgotten; anyone else, that there is no such consent.
            let remains = ForgottenConsent(id: withdrawn.id, bankOrg: bank, status: .withdrawn, createdAt: now, endedAt: later, forgottenAt: sweptAt)
            await #expect(throws: StorageError.consentForgotten(remains)) { try await t.store.consent(withdrawn.id, for: .citizen(person)) }
            #expect(try await t.store.forgottenConsent(withdrawn.id, for: .bank(bank)) == remains)
            let stranger = try PersonID("14830351257")
            await #expect(throws: StorageError.consentNotFound) { try await t.store.consent(used.id, for: .bank(otherBank)) }
            await #expect(throws: StorageError.consentNotFound) { try await t.store.consent(used.id, for: .citizen(stranger)) }
            #expect(try await t.store.forgottenConsent(used.id, for: .bank(otherBank)) == nil)
            #expect(try await t.store.forgottenConsent(used.id, for: .citizen(stranger)) == nil)
            #expect(try await t.store.forgottenConsent(pending.id, for: .bank(bank)) == nil)
            // Nothing can be done to it: the row is gone.
            await #expect(throws: StorageError.consentNotFound) {
                try await log.commit(Change(.act(used.id, by: .bank(bank), .requireUsable(for: bank))), at: sweptAt)
            }

            // Not listed any more, but a cursor forgotten between two pages still places the next one.
            let listed = try await t.store.consents(ConsentQuery(viewer: .bank(bank), limit: 100)).map(\.id)
            #expect(Set(listed) == [pending.id, active.id, recent.id])
            #expect(try await t.store.consents(ConsentQuery(viewer: .citizen(person), limit: 100)).count == 3)
            let nextPage = try await t.store.consents(ConsentQuery(viewer: .bank(bank), order: .oldestFirst, after: used.id, limit: 100)).map(\.id)
            #expect(Set(nextPage) == [pending.id, active.id, recent.id])
            #expect(try await t.store.consents(ConsentQuery(viewer: .citizen(person), order: .oldestFirst, after: used.id, limit: 100)).count == 3)
            #expect(try await t.store.consents(ConsentQuery(viewer: .bank(otherBank), after: used.id, limit: 100)).isEmpty)

            // Its events left the feed, and its deliveries and their attempts the queue and the log of the endpoint.
            let events = try await t.store.events(EventQuery(bank: bank, limit: 100))
            #expect(Set(events.map(\.consentId)) == [pending.id, active.id, recent.id])
            let queued = try await t.store.claimDeliveries(now: sweptAt, leaseUntil: sweptAt.addingTimeInterval(60), limit: 100, perEndpoint: 10, lease: "after")
            #expect(Set(queued.map(\.event.consentId)) == [pending.id, active.id, recent.id])
            #expect(try await t.store.deliveryLog(webhook: "wh_a", of: bank, limit: 100)?.isEmpty == true)
            // The attempt that was in flight has nothing left to be recorded against.
            try await t.store.finishDelivery(inFlight, attempt: attempt(inFlight, .status(204), at: sweptAt), verdict: .delivered, failingAfter: 3)
            #expect(try await t.store.deliveryLog(webhook: "wh_a", of: bank, limit: 100)?.isEmpty == true)

            // Its idempotency records went too (a key of its is new again); the pending request's stays.
            let retry = sweptAt.addingTimeInterval(60)
            guard case .proceed = try await t.store.claim(key("create-used"), now: retry) else { Issue.record("the request's record outlived the consent"); return }
            guard case .proceed = try await t.store.claim(key("bundle-used"), now: retry) else { Issue.record("the bundle's record outlived the consent"); return }
            #expect(try await t.store.claim(key("create-pending"), now: retry) == .replay(.consentCreated(pending.id)))

            // What is open, or ended after the cut, is untouched.
            #expect(try await t.store.consent(pending.id, for: .bank(bank)).status == .pending)
            #expect(try await t.store.consent(active.id, for: .citizen(person)).status == .active)
            #expect(try await t.store.consent(recent.id, for: .bank(bank)).status == .denied)

            // The log keeps every entry, byte for byte, and still verifies against its signed head.
            let entriesAfter = try await t.store.logEntries(LogQuery(limit: 1000))
            #expect(entriesAfter.map(\.leaf) == entriesBefore.map(\.leaf))
            let history = try await t.store.logEntries(LogQuery(limit: 100, consentId: used.id)).map { try LogLeaf(leafBytes: $0.leaf).type.rawValue }
            #expect(history == ["consent.requested", "consent.granted", "bundle.issued", "consent.exhausted"])
            #expect(try await t.store.logEntries(LogQuery(limit: 100, personId: person)).count == entriesBefore.count)
            try await verifyLog(t.store)
        }
    }
}
