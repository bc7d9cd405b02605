import Foundation
@testable import PostgresStore
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport
import TransparencyLog

@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)))
struct CommitTests {
    let fixtures = Fixtures()

    /// Checks the stored log against itself and the head: indexes dense from 0, each leaf hash the
    /// hash of its leaf, the root over the stored nodes equal to a tree rebuilt from the leaves alone,
    /// and the head's checkpoint signed over that root.
    func checkLog(_ store: PostgresStore, size: UInt64) async throws -> Hash {
        let leaves = try await store.allLeaves()
        #expect(leaves.map(\.index) == (0..<Int64(size)).map { $0 })
        var rebuilt = MerkleTreeBuilder()
        for leaf in leaves {
            #expect(leaf.leafHash == MerkleHasher.leafHash(leaf.leaf).bytes)
            rebuilt.append(leafHash: MerkleHasher.leafHash(leaf.leaf))
        }
        let stored = try MerkleTree.root(size: size, source: try await StoredNodes(store))
        #expect(stored == rebuilt.root())
        let head = try await store.logHead()
        #expect(head.size == size)
        let checkpoint = try Checkpoint.open(try #require(head.checkpoint?.note), verifier: fixtures.verifier)
        #expect(checkpoint.size == size && checkpoint.rootHash == stored && head.checkpoint?.rootHash == stored)
        return stored
    }

    func verify(_ receipt: AuditReceipt?, against batch: CommittedBatch) throws {
        let receipt = try #require(receipt)
        let checkpoint = try Checkpoint.open(receipt.checkpoint, verifier: fixtures.verifier)
        #expect(receipt.checkpoint == batch.checkpoint?.note && checkpoint.size == receipt.treeSize)
        try MerkleVerifier.verifyInclusion(
            index: receipt.index, size: receipt.treeSize, leafHash: MerkleHasher.leafHash(receipt.entry), proof: receipt.inclusionProof,
            root: checkpoint.rootHash
        )
        #expect(try LogLeaf(leafBytes: receipt.entry).type == .bundleIssued)
    }

    @Test func aBatchOfChangesCommitsInOrderWithDenseIndexesAndOneCheckpoint() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let a = try fixtures.request(maxUses: 2)
            let b = try fixtures.request(for: fixtures.otherPerson)
            let unregistered = try fixtures.request(from: fixtures.otherBank)
            let batch = try await fixtures.commit(store, [
                Change(.create(a)),
                Change(.create(b)),
                Change(.create(unregistered)),
                Change(.act(a.id, by: .citizen(fixtures.person), .grant(by: fixtures.person))),
                Change(.act(a.id, by: .bank(fixtures.bank), .issueBundle(fixtures.issue(1), for: fixtures.bank))),
                // Another bank's and another citizen's view of a consent: not theirs, so not found.
                Change(.act(a.id, by: .bank(fixtures.otherBank), .withdraw(by: fixtures.otherBank))),
                Change(.act(b.id, by: .citizen(fixtures.person), .deny(by: fixtures.person))),
                Change(.act(ConsentID(), by: .bank(fixtures.bank), .withdraw(by: fixtures.bank))),
                Change(.act(b.id, by: .citizen(fixtures.otherPerson), .deny(by: fixtures.otherPerson))),
            ])
            let outcomes = batch.outcomes
            #expect(outcomes.count == 9)
            let types = outcomes.map { (try? $0.get().entries.map(\.type)) ?? [] }
            #expect(types == [[.consentRequested], [.consentRequested], [], [.consentGranted], [.bundleIssued], [], [], [], [.consentDenied]])
            let indexes = outcomes.flatMap { (try? $0.get().entries.map(\.index)) ?? [] }
            #expect(indexes == [0, 1, 2, 3, 4])
            #expect(throws: StorageError.bankNotFound(fixtures.otherBank)) { try outcomes[2].get() }
            for notFound in [5, 6, 7] {
                #expect(throws: StorageError.consentNotFound) { try outcomes[notFound].get() }
            }
            let issued = try outcomes[4].get()
            #expect(issued.consent?.uses == 1 && issued.consent?.status == .active)
            try verify(issued.receipt, against: batch)
            #expect(batch.checkpoint?.size == 5)

            let root = try await checkLog(store, size: 5)
            #expect(batch.checkpoint?.rootHash == root)
            // What was stored is what the outcomes say, and the unregistered bank's request is not.
            #expect(try await store.consent(a.id, for: .bank(fixtures.bank)) == issued.consent)
            #expect(try await store.consent(b.id, for: .citizen(fixtures.otherPerson)).status == .denied)
            await #expect(throws: StorageError.consentNotFound) { try await store.consent(unregistered.id, for: .bank(fixtures.otherBank)) }
            await #expect(throws: StorageError.consentNotFound) { try await store.consent(a.id, for: .bank(fixtures.otherBank)) }
            let entries = outcomes.flatMap { (try? $0.get().entries) ?? [] }
            #expect(try await store.auditedEntries(LogQuery(limit: 100)) == entries)
        }
    }

    /// Batches resume the tree from its stored right edge: after sizes 1, 2, 3, 5, 8 the root over
    /// the stored nodes is still the root of the leaves, and each batch's receipts verify.
    @Test func laterBatchesExtendTheSameTree() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            var size: UInt64 = 0
            for batchSize in [1, 1, 1, 2, 3] {
                let consents = try (0..<batchSize).map { _ in try fixtures.request() }
                let batch = try await fixtures.commit(store, consents.map { Change(.create($0)) })
                size += UInt64(batchSize)
                #expect(batch.checkpoint?.size == size)
                #expect(try await checkLog(store, size: size) == batch.checkpoint?.rootHash)
            }
            let consent = try fixtures.request(maxUses: 3)
            let issuing = try await fixtures.commit(store, [
                Change(.create(consent)),
                Change(.act(consent.id, by: .citizen(fixtures.person), .grant(by: fixtures.person))),
                Change(.act(consent.id, by: .bank(fixtures.bank), .issueBundle(fixtures.issue(1), for: fixtures.bank))),
                Change(.act(consent.id, by: .bank(fixtures.bank), .issueBundle(fixtures.issue(2), for: fixtures.bank))),
            ])
            for outcome in issuing.outcomes.suffix(2) { try verify(try outcome.get().receipt, against: issuing) }
            #expect(try await checkLog(store, size: size + 4) == issuing.checkpoint?.rootHash)
        }
    }

    @Test func aRefusalCommitsWhatTheDecisionLogged() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let consent = try fixtures.request()
            let created = try await fixtures.commit(store, [Change(.create(consent))])

            // A bundle for a consent nobody granted: refused, and the refusal is on the log.
            let refused = try await fixtures.commit(store, [Change(.act(consent.id, by: .bank(fixtures.bank), .issueBundle(fixtures.issue(), for: fixtures.bank)))])
            let outcome = try refused.outcomes[0].get()
            #expect(outcome.refusal?.code == .illegalTransition)
            #expect(outcome.entries.map(\.type) == [.bundleRefused] && outcome.receipt == nil)
            #expect(refused.checkpoint?.size == 2 && refused.checkpoint != created.checkpoint)
            #expect(try await store.consent(consent.id, for: .bank(fixtures.bank)) == consent)
            _ = try await checkLog(store, size: 2)

            // Past the request's deadline: the expiry that came due is committed before the refusal.
            let late = consent.requestExpiresAt.addingTimeInterval(1)
            let expired = try await fixtures.commit(store, [Change(.act(consent.id, by: .citizen(fixtures.person), .grant(by: fixtures.person)))], at: late)
            let expiredOutcome = try expired.outcomes[0].get()
            let tooLate = DomainError(.illegalTransition, field: "status", reason: "cannot grant a consent that is expired")
            #expect(expiredOutcome.refusal == tooLate && expiredOutcome.entries.map(\.type) == [.consentExpired])
            #expect(try await store.consent(consent.id, for: .citizen(fixtures.person)).status == .expired)
            _ = try await checkLog(store, size: 3)

            // Nothing to log: the checkpoint in force comes back, and nothing is signed.
            let nothing = try await fixtures.commit(store, [Change(.act(consent.id, by: .bank(fixtures.bank), .settleExpiry))], at: late)
            #expect(nothing.checkpoint == expired.checkpoint)
        }
    }

    @Test func theSweepExpiresWhatCameDueOldestFirstUpToItsLimit() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let first = try fixtures.request(at: fixtures.now)
            let second = try fixtures.request(at: fixtures.now.addingTimeInterval(60))
            let open = try fixtures.request(at: fixtures.now.addingTimeInterval(86_400 * 2))
            _ = try await fixtures.commit(store, [first, second, open].map { Change(.create($0)) }, at: fixtures.now)
            let sweepAt = second.requestExpiresAt.addingTimeInterval(1)
            let one = try await fixtures.commit(store, [Change(.expireDue(limit: 1))], at: sweepAt)
            #expect(try one.outcomes[0].get().expired == 1)
            #expect(try one.outcomes[0].get().entries.map(\.consentId) == [first.id])
            let rest = try await fixtures.commit(store, [Change(.expireDue(limit: 10))], at: sweepAt)
            #expect(try rest.outcomes[0].get().expired == 1)
            #expect(try await store.consent(second.id, for: .bank(fixtures.bank)).status == .expired)
            #expect(try await store.consent(open.id, for: .bank(fixtures.bank)).status == .pending)
            _ = try await checkLog(store, size: 5)
        }
    }
}
