import Foundation
@testable import PostgresStore
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport
import TransparencyLog

/// Two broker instances on one database: two stores (two pools), each with its own `LogSequencer`,
/// committing at once. The head lock must keep one dense log and one tree between them.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct ConcurrentCommitTests {
    let fixtures = Fixtures()

    /// Two running stores on one fresh, migrated database with the fixtures' bank registered.
    func withTwoInstances(_ body: (PostgresStore, PostgresStore) async throws -> Void) async throws {
        try await PostgresTestDatabase.withFresh { url in
            try await PostgresStore(url: url, logger: PostgresTestDatabase.logger).withRunning { first in
                try await first.migrate()
                _ = try await first.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
                try await PostgresStore(url: url, logger: PostgresTestDatabase.logger).withRunning { second in
                    try await body(first, second)
                }
            }
        }
    }

    @Test func twoInstancesAppendToOneDenseLogWithOneTree() async throws {
        try await withTwoInstances { first, second in try await race(first, second) }
    }

    /// Retries of one consent request, with one `Idempotency-Key`, reaching both instances at once:
    /// the key is claimed inside the commit, so exactly one creates the consent and every other gets
    /// that consent replayed.
    @Test func retriesOfOneRequestOnBothInstancesCreateOneConsent() async throws {
        try await withTwoInstances { first, second in
            let fixtures = self.fixtures
            let now = fixtures.now
            let sequencers = [first, second].map { LogSequencer(store: $0, signer: fixtures.signer, maxBatch: 4) }
            let key = IdempotencyKey(bank: fixtures.bank, key: "retry", requestHash: [7], abandonAfter: 30)
            let outcomes = try await withThrowingTaskGroup(of: ChangeOutcome.self) { group in
                for attempt in 0..<16 {
                    group.addTask {
                        try await sequencers[attempt % 2].commit(Change(.create(try fixtures.request()), claiming: key), at: now).outcome
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = outcomes.compactMap(\.consent)
            #expect(created.count == 1)
            let id = try #require(created.first?.id)
            #expect(outcomes.filter { $0.replayed == .consentCreated(id) }.count == 15)
            #expect(try await first.logHead().size == 1)
            #expect(try await second.claim(key, now: now) == .replay(.consentCreated(id)))
        }
    }

    private func race(_ first: PostgresStore, _ second: PostgresStore) async throws {
        let fixtures = self.fixtures
        let now = fixtures.now
        let sequencers = [first, second].map { LogSequencer(store: $0, signer: fixtures.signer, maxBatch: 8) }
        let perInstance = 24
        // Each task: create, grant, issue a bundle: three commits, four entries (the one use
        // exhausts the consent), alternating instances so batches interleave.
        let receipts = try await withThrowingTaskGroup(of: [(AuditReceipt, SignedCheckpoint?)].self) { group in
            for task in 0..<(2 * perInstance) {
                let sequencer = sequencers[task % 2]
                group.addTask {
                    let consent = try fixtures.request()
                    _ = try await sequencer.commit(Change(.create(consent)), at: now).outcome.acceptedConsent()
                    let person = fixtures.person
                    _ = try await sequencer.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now).outcome.acceptedConsent()
                    let issued = try await sequencer.commit(
                        Change(.act(consent.id, by: .bank(fixtures.bank), .issueBundle(fixtures.issue(task), for: fixtures.bank))), at: now
                    )
                    _ = try issued.outcome.acceptedConsent()
                    return [(try #require(issued.outcome.receipt), issued.checkpoint)]
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        let size = UInt64(2 * perInstance * 4)
        let leaves = try await first.allLeaves()
        #expect(leaves.map(\.index) == (0..<Int64(size)).map { $0 })
        var rebuilt = MerkleTreeBuilder()
        for leaf in leaves { rebuilt.append(leafHash: MerkleHasher.leafHash(leaf.leaf)) }
        let nodes = try await StoredNodes(first)
        #expect(try MerkleTree.root(size: size, source: nodes) == rebuilt.root())

        // Every receipt verifies against its own checkpoint, and every checkpoint either instance
        // signed is a head of this one tree.
        let verifier = fixtures.verifier
        #expect(receipts.count == 2 * perInstance)
        for (receipt, batchCheckpoint) in receipts {
            let checkpoint = try Checkpoint.open(receipt.checkpoint, verifier: verifier)
            #expect(receipt.checkpoint == batchCheckpoint?.note)
            try MerkleVerifier.verifyInclusion(
                index: receipt.index, size: checkpoint.size, leafHash: MerkleHasher.leafHash(receipt.entry),
                proof: receipt.inclusionProof, root: checkpoint.rootHash
            )
            #expect(try MerkleTree.root(size: checkpoint.size, source: nodes) == checkpoint.rootHash)
            #expect(receipt.entry == leaves[Int(receipt.index)].leaf)
        }
        let head = try await second.logHead()
        #expect(head.size == size && head.checkpoint?.rootHash == rebuilt.root())
    }
}
