import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// The outbox: every entry a bank hears of has its event, written by the same commit.
extension StoreContractTests {
    func events(_ store: any Store, of org: OrgNumber? = nil, after: EventID? = nil, limit: Int = 1000) async throws -> [OutboxEvent] {
        try await store.events(EventQuery(bank: org ?? bank, after: after, limit: limit))
    }

    @Test(arguments: Backend.available)
    func everyChangeABankHearsOfCommitsItsEvent(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            let used = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            let refused = try await log.commit(Change(.act(used.id, by: .bank(bank), .requireUsable(for: bank))), at: now).outcome
            #expect(refused.refusal == DomainError(.illegalTransition, field: "status", reason: "consent is pending, not active"))
            _ = try await log.commit(Change(.act(used.id, by: .citizen(person), .grant(by: person))), at: now)
            _ = try await log.commit(Change(.act(used.id, by: .bank(bank), .issueBundle(issue(), for: bank))), at: now)
            let withdrawn = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(withdrawn.id, by: .bank(bank), .withdraw(by: bank))), at: now)
            let elsewhere = try await log.commit(Change(.create(try request(from: otherBank))), at: now).outcome.acceptedConsent()
            let expiring = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            #expect(try await log.commit(Change(.expireDue(limit: 10)), at: expiring.requestExpiresAt).outcome.expired == 2)

            let entries = try await t.store.auditedEntries(LogQuery(limit: 100))
            let expected = entries.filter { $0.bankOrg == bank && $0.type != .bundleRefused }
            let mine = try await events(t.store)
            #expect(mine.map(\.logIndex) == expected.map(\.index))
            #expect(mine.map(\.id.description) == expected.map { "evt_\($0.index)" })
            #expect(mine.map(\.type) == expected.map(\.type))
            #expect(mine.map(\.consentId) == expected.map(\.consentId))
            #expect(mine.map(\.timestamp) == expected.map(\.time))
            #expect(mine.map(\.type.rawValue) == [
                "consent.requested", "consent.granted", "bundle.issued", "consent.exhausted",
                "consent.requested", "consent.withdrawn", "consent.requested", "consent.expired",
            ])
            #expect(mine.map(\.status) == [.pending, .active, .active, .exhausted, .pending, .withdrawn, .pending, .expired])
            #expect(!mine.contains { $0.consentId == elsewhere.id })

            // The other bank hears of its own consent and nothing else.
            #expect(try await events(t.store, of: otherBank).map(\.type) == [.consentRequested, .consentExpired])
            #expect(try await events(t.store, of: otherBank).allSatisfy { $0.consentId == elsewhere.id && $0.bankOrg == otherBank })
        }
    }

    @Test(arguments: Backend.available)
    func eventsPageAfterACursorInLogOrder(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            // Interleaved with another bank's, so this bank's indexes have gaps.
            for _ in 0..<4 {
                _ = try await log.commit(Change(.create(try request())), at: now)
                _ = try await log.commit(Change(.create(try request(from: otherBank))), at: now)
            }
            let all = try await events(t.store)
            #expect(all.map(\.logIndex) == [0, 2, 4, 6])
            var paged: [OutboxEvent] = []
            var cursor: EventID?
            while true {
                let page = try await events(t.store, after: cursor, limit: 3)
                guard let last = page.last else { break }
                paged += page
                cursor = last.id
            }
            #expect(paged == all)
            #expect(try await events(t.store, after: EventID(logIndex: 2)).map(\.logIndex) == [4, 6])
            #expect(try await events(t.store, after: EventID(logIndex: 6)).isEmpty)
            #expect(try await events(t.store, after: EventID(logIndex: 1), limit: 1).map(\.logIndex) == [2])
            #expect(try await events(t.store, limit: 0).isEmpty)
        }
    }

    @Test func eventIDsReadBackOnlyInTheirOneSpelling() {
        #expect(EventID("evt_0") == EventID(logIndex: 0))
        #expect(EventID("evt_42")?.description == "evt_42")
        for bad in ["", "evt_", "evt_01", "evt_-1", "evt_+1", "evt_1a", "EVT_1", "42", "evt_99999999999999999999"] {
            #expect(EventID(bad) == nil, "\(bad)")
        }
    }
}
