import Foundation
@testable import PostgresStore
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport

@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)))
struct IdempotencyTests {
    let fixtures = Fixtures()

    func key(_ name: String = "key-1", request: UInt8 = 1) -> IdempotencyKey {
        IdempotencyKey(bank: fixtures.bank, key: name, requestHash: [UInt8](repeating: request, count: 32), abandonAfter: 30, retainFor: 3_600)
    }

    func proceeding(_ outcome: IdempotencyOutcome) throws -> IdempotencyClaim {
        guard case .proceed(let claim) = outcome else {
            Issue.record("expected proceed, got \(outcome)")
            throw StorageError.idempotencyInProgress
        }
        return claim
    }

    @Test func aFinishedCreateIsReplayedAndADifferentRequestIsRefused() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let claim = try proceeding(try await store.claim(key(), now: fixtures.now))
            #expect(try await store.claim(key(), now: fixtures.now.addingTimeInterval(1)) == .inProgress)
            #expect(try await store.claim(key(request: 2), now: fixtures.now.addingTimeInterval(1)) == .mismatch)

            let consent = try fixtures.request()
            let batch = try await fixtures.commit(store, [Change(.create(consent), completing: IdempotencyCompletion(claim: claim))])
            _ = try batch.outcomes[0].get()
            #expect(try await store.claim(key(), now: fixtures.now.addingTimeInterval(2)) == .replay(.consentCreated(consent.id)))
            #expect(try await store.claim(key(request: 2), now: fixtures.now.addingTimeInterval(2)) == .mismatch)
            // Another bank's key of the same name is its own.
            _ = try await store.addBank(org: fixtures.otherBank, name: "Other Bank", now: fixtures.now)
            let other = IdempotencyKey(bank: fixtures.otherBank, key: "key-1", requestHash: [9], abandonAfter: 30)
            _ = try proceeding(try await store.claim(other, now: fixtures.now))

            // Past retainFor the key is forgotten: a new request may use it.
            let later = fixtures.now.addingTimeInterval(3_602)
            let fresh = try proceeding(try await store.claim(key(request: 2), now: later))
            #expect(fresh.token != claim.token)
        }
    }

    @Test func anAbandonedClaimIsTakenOverAndTheOldOneCanNoLongerComplete() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let first = try proceeding(try await store.claim(key(), now: fixtures.now))
            #expect(try await store.claim(key(), now: fixtures.now.addingTimeInterval(29)) == .inProgress)
            let second = try proceeding(try await store.claim(key(), now: fixtures.now.addingTimeInterval(31)))
            #expect(second.token != first.token)

            // The first request comes back late: its completion is refused and nothing is written.
            let late = try fixtures.request()
            let lost = try await fixtures.commit(store, [Change(.create(late), completing: IdempotencyCompletion(claim: first))])
            #expect(throws: StorageError.idempotencyClaimLost) { try lost.outcomes[0].get() }
            #expect(try await store.logHead().size == 0)
            await #expect(throws: StorageError.consentNotFound) { try await store.consent(late.id, for: .bank(fixtures.bank)) }
            // Nor can it give the key back.
            try await store.release(first)
            #expect(try await store.claim(key(), now: fixtures.now.addingTimeInterval(32)) == .inProgress)

            let consent = try fixtures.request()
            _ = try await fixtures.commit(store, [Change(.create(consent), completing: IdempotencyCompletion(claim: second))]).outcomes[0].get()
            #expect(try await store.claim(key(), now: fixtures.now.addingTimeInterval(40)) == .replay(.consentCreated(consent.id)))
        }
    }

    @Test func aBundleIsReplayedWithItsLogIndexAndARefusalGivesTheKeyBack() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let consent = try fixtures.request(maxUses: 1)
            _ = try await fixtures.commit(store, [
                Change(.create(consent)),
                Change(.act(consent.id, by: .citizen(fixtures.person), .grant(by: fixtures.person))),
            ])
            let bank = Viewer.bank(fixtures.bank)
            let claim = try proceeding(try await store.claim(key("bundle"), now: fixtures.now))
            let sealed: [UInt8] = [1, 2, 3, 4]
            let issued = try await fixtures.commit(store, [
                Change(.act(consent.id, by: bank, .issueBundle(fixtures.issue(), for: fixtures.bank)), completing: IdempotencyCompletion(claim: claim, sealedBundle: sealed)),
            ])
            let receipt = try #require(try issued.outcomes[0].get().receipt)
            #expect(receipt.index == 2)
            #expect(try await store.claim(key("bundle"), now: fixtures.now) == .replay(.bundleIssued(consent.id, sealedBundle: sealed, logIndex: 2)))

            // The consent is exhausted now: the next bundle is refused, logged, and its key given back.
            let again = try proceeding(try await store.claim(key("again"), now: fixtures.now))
            let refused = try await fixtures.commit(store, [
                Change(.act(consent.id, by: bank, .issueBundle(fixtures.issue(2), for: fixtures.bank)), completing: IdempotencyCompletion(claim: again, sealedBundle: sealed)),
            ])
            #expect(try refused.outcomes[0].get().refusal == DomainError(.illegalTransition, field: "status", reason: "consent is exhausted, not active"))
            #expect(try refused.outcomes[0].get().entries.map(\.type) == [.bundleRefused])
            _ = try proceeding(try await store.claim(key("again"), now: fixtures.now))
        }
    }

    @Test func releaseAndPruneRemoveOnlyWhatTheyShould() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let claim = try proceeding(try await store.claim(key(), now: fixtures.now))
            try await store.release(IdempotencyClaim(key: claim.key, token: "not-the-token"))
            #expect(try await store.claim(key(), now: fixtures.now) == .inProgress)
            try await store.release(claim)
            let retaken = try proceeding(try await store.claim(key(), now: fixtures.now))

            let done = try proceeding(try await store.claim(key("done"), now: fixtures.now))
            _ = try await fixtures.commit(store, [Change(.create(try fixtures.request()), completing: IdempotencyCompletion(claim: done))])
            _ = try proceeding(try await store.claim(key("young"), now: fixtures.now.addingTimeInterval(100)))

            #expect(try await store.pruneIdempotency(before: fixtures.now.addingTimeInterval(50)) == 2)
            #expect(try await store.claim(key("young"), now: fixtures.now.addingTimeInterval(101)) == .inProgress)
            #expect(try proceeding(try await store.claim(key(), now: fixtures.now.addingTimeInterval(101))).token != retaken.token)
        }
    }
}
