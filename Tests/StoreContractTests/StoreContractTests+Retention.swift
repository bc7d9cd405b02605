import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// Retention: a consent that ended before the cut leaves the live tables (its row becomes a
/// `ForgottenConsent`, its events, deliveries and idempotency records go) and its entries' openings
/// are shredded, with a `consent.forgotten` entry for its tag (SPEC §4); the log keeps every leaf,
/// and nothing open or recently ended is touched.
extension StoreContractTests {
    func key(_ name: String) -> IdempotencyKey {
        IdempotencyKey(bank: bank, key: name, requestHash: Array(name.utf8), abandonAfter: 30)
    }

    /// The public tag of a consent, from its first entry.
    func consentTag(of id: ConsentID, in store: any Store) async throws -> ConsentTag {
        let rows = try await store.logEntries(LogQuery(limit: 1, consentId: id))
        guard let row = rows.first, case .v2(let entry) = try LogLeaf(leafBytes: row.leaf) else { throw StoreFailure.corrupt("consent \(id) has no v2 entry") }
        return entry.consent
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

            // Another person's only consent, ended too: forgetting it leaves that person no subject key.
            let loner = try PersonID("03839199405")
            let lonely = try await log.commit(Change(.create(try request(for: loner))), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(lonely.id, by: .citizen(loner), .deny(by: loner))), at: later)
            #expect(try await t.store.subjectKey(of: loner) != nil)

            let entriesBefore = try await t.store.logEntries(LogQuery(limit: 1000))
            let usedIndexes = try await t.store.logEntries(LogQuery(limit: 100, consentId: used.id)).map(\.index)
            #expect(usedIndexes.count == 4)
            let tags = (
                used: try await consentTag(of: used.id, in: t.store), withdrawn: try await consentTag(of: withdrawn.id, in: t.store),
                lonely: try await consentTag(of: lonely.id, in: t.store)
            )
            let oldestFirst = try await t.store.consents(ConsentQuery(viewer: .bank(bank), order: .oldestFirst, limit: 1))
            #expect(oldestFirst.map(\.id) == [used.id])

            // The cut: ended before `now` + 2 minutes. One at a time, longest ended first, then nothing more.
            let cut = now.addingTimeInterval(120)
            let sweptAt = now.addingTimeInterval(600)
            let first = try await log.commit(Change(.forgetEnded(endedBefore: cut, limit: 1)), at: sweptAt).outcome
            #expect(first.forgotten == 1 && first.entries.map(\.type) == [.consentForgotten])
            await #expect(throws: StorageError.consentForgotten(ForgottenConsent(
                id: used.id, bankOrg: bank, status: .exhausted, createdAt: asked, endedAt: now, forgottenAt: sweptAt
            ))) { try await t.store.consent(used.id, for: .bank(bank)) }
            #expect(try await t.store.consent(withdrawn.id, for: .bank(bank)).status == .withdrawn)
            #expect(try await log.commit(Change(.forgetEnded(endedBefore: cut, limit: 10)), at: sweptAt).outcome.forgotten == 2)
            let last = try await log.commit(Change(.forgetEnded(endedBefore: cut, limit: 10)), at: sweptAt).outcome
            #expect(last.forgotten == 0 && last.entries.isEmpty)

            // Its bank is told it was forgotten; the citizen, whom no opening names any more, and anyone
            // else, that there is no such consent.
            let remains = ForgottenConsent(id: withdrawn.id, bankOrg: bank, status: .withdrawn, createdAt: now, endedAt: later, forgottenAt: sweptAt)
            await #expect(throws: StorageError.consentNotFound) { try await t.store.consent(withdrawn.id, for: .citizen(person)) }
            #expect(try await t.store.forgottenConsent(withdrawn.id, for: .citizen(person)) == nil)
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

            // Not listed any more, but a cursor forgotten between two pages still places its bank's next
            // one; for the citizen, whom nothing links to it any more, it is a cursor like any unknown one.
            let listed = try await t.store.consents(ConsentQuery(viewer: .bank(bank), limit: 100)).map(\.id)
            #expect(Set(listed) == [pending.id, active.id, recent.id])
            #expect(try await t.store.consents(ConsentQuery(viewer: .citizen(person), limit: 100)).count == 3)
            let nextPage = try await t.store.consents(ConsentQuery(viewer: .bank(bank), order: .oldestFirst, after: used.id, limit: 100)).map(\.id)
            #expect(Set(nextPage) == [pending.id, active.id, recent.id])
            #expect(try await t.store.consents(ConsentQuery(viewer: .citizen(person), order: .oldestFirst, after: used.id, limit: 100)).isEmpty)
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

            // The log keeps every leaf, byte for byte, and grew by one public `consent.forgotten` per
            // forgotten consent, for its tag, made with its person's key, opened by an opening naming no one.
            let entriesAfter = try await t.store.logEntries(LogQuery(limit: 1000))
            #expect(entriesAfter.prefix(entriesBefore.count).map(\.leaf) == entriesBefore.map(\.leaf))
            let appended = try entriesAfter.dropFirst(entriesBefore.count).map { row -> PublicEntry in
                guard case .v2(let entry) = try LogLeaf(leafBytes: row.leaf) else { throw StoreFailure.corrupt("entry \(row.index) is not v2") }
                return entry
            }
            #expect(appended.map(\.type) == [.consentForgotten, .consentForgotten, .consentForgotten])
            #expect(appended.first?.consent == tags.used && Set(appended.dropFirst().map(\.consent)) == [tags.withdrawn, tags.lonely])
            let personKey = try #require(try await t.store.subjectKey(of: person))
            let forgottenOpenings = try await t.store.openings(at: appended.map(\.index), about: nil)
            #expect(forgottenOpenings.count == 3)
            for (entry, opening) in zip(appended, forgottenOpenings) {
                #expect(opening.privatePart.parties == nil && opening.privatePart.actor == .system)
                try entry.check(opening, subjectKey: entry.consent == tags.lonely ? nil : personKey)
            }
            // The openings of its entries are gone, so no filter finds them; the others' are there.
            #expect(try await t.store.openings(at: usedIndexes, about: nil).isEmpty)
            #expect(try await t.store.logEntries(LogQuery(limit: 100, consentId: used.id)).isEmpty)
            #expect(try await t.store.logEntries(LogQuery(limit: 100, consentId: active.id)).count == 2)
            #expect(try await t.store.auditedEntries(LogQuery(limit: 100, personId: person)).allSatisfy { [pending.id, active.id, recent.id].contains($0.consentId) })
            // A person with a live consent keeps their key; one with nothing left loses it.
            #expect(try await t.store.subjectKey(of: loner) == nil)
            #expect(try await t.store.logEntries(LogQuery(limit: 100, personId: loner)).isEmpty)
            try await verifyLog(t.store)
        }
    }
}
