import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TransparencyLog

/// Batches as `ChangeCommitting` receives them from the sequencer: many changes, one transaction,
/// one checkpoint, each change with its own outcome.
extension StoreContractTests {
    func verify(_ receipt: AuditReceipt?, against batch: CommittedBatch) throws {
        let receipt = try #require(receipt)
        let checkpoint = try Checkpoint.open(receipt.checkpoint, verifier: try NoteVerifier(verifierKey: signer.verifierKey))
        #expect(receipt.checkpoint == batch.checkpoint?.note && checkpoint.size == receipt.treeSize)
        try MerkleVerifier.verifyInclusion(
            index: receipt.index, size: receipt.treeSize, leafHash: MerkleHasher.leafHash(receipt.entry), proof: receipt.inclusionProof, root: checkpoint.rootHash
        )
        #expect(try LogLeaf(leafBytes: receipt.entry).type == .bundleIssued)
    }

    @Test(arguments: Backend.available)
    func aBatchCommitsInOrderWithDenseIndexesOneCheckpointAndAnOutcomeEach(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let stranger = try PersonID("14830351257")
            let a = try request(maxUses: 2)
            let b = try request()
            let unregistered = try request(from: otherBank)
            let batch = try await t.store.commit([
                Change(.create(a)),
                Change(.create(b)),
                Change(.create(unregistered)),
                Change(.act(a.id, by: .citizen(person), .grant(by: person))),
                Change(.act(a.id, by: .bank(bank), .issueBundle(issue(1), for: bank))),
                // Another bank's and another citizen's view of a consent: not theirs, so not found.
                Change(.act(a.id, by: .bank(otherBank), .withdraw(by: otherBank))),
                Change(.act(b.id, by: .citizen(stranger), .deny(by: stranger))),
                Change(.act(ConsentID(), by: .bank(bank), .withdraw(by: bank))),
                Change(.act(b.id, by: .citizen(person), .deny(by: person))),
            ], at: now, signer: signer)
            let outcomes = batch.outcomes
            #expect(outcomes.count == 9)
            let entries: [[AuditEntry]] = outcomes.map { (try? $0.get().entries) ?? [] }
            let types: [[AuditEntry.EntryType]] = [[.consentRequested], [.consentRequested], [], [.consentGranted], [.bundleIssued], [], [], [], [.consentDenied]]
            #expect(entries.map { $0.map(\.type) } == types)
            #expect(entries.joined().map(\.index) == [0, 1, 2, 3, 4] as [UInt64])
            #expect(throws: StorageError.bankNotFound(otherBank)) { try outcomes[2].get() }
            for notFound in [5, 6, 7] {
                #expect(throws: StorageError.consentNotFound) { try outcomes[notFound].get() }
            }
            let issued = try outcomes[4].get()
            #expect(issued.consent?.uses == 1 && issued.consent?.status == .active)
            try verify(issued.receipt, against: batch)
            #expect(batch.checkpoint?.size == 5)
            try await verifyLog(t.store)
            // What was stored is what the outcomes say, and the unregistered bank's request is not.
            #expect(try await t.store.consent(a.id, for: .bank(bank)) == issued.consent)
            #expect(try await t.store.consent(b.id, for: .citizen(person)).status == .denied)
            await #expect(throws: StorageError.consentNotFound) { try await t.store.consent(unregistered.id, for: .bank(otherBank)) }
            #expect(try await t.store.auditedEntries(LogQuery(limit: 100)) == Array(entries.joined()))
        }
    }

    /// Batches resume the tree from its stored right edge: after sizes 1, 2, 3, 5, 8 the signed root is
    /// still the root of the leaves, and each batch's receipts verify.
    @Test(arguments: Backend.available)
    func laterBatchesExtendTheSameTree(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            var size: UInt64 = 0
            for batchSize in [1, 1, 1, 2, 3] {
                let batch = try await t.store.commit(try (0..<batchSize).map { _ in Change(.create(try request())) }, at: now, signer: signer)
                size += UInt64(batchSize)
                #expect(batch.checkpoint?.size == size)
                try await verifyLog(t.store)
            }
            let consent = try request(maxUses: 3)
            let issuing = try await t.store.commit([
                Change(.create(consent)),
                Change(.act(consent.id, by: .citizen(person), .grant(by: person))),
                Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(1), for: bank))),
                Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(2), for: bank))),
            ], at: now, signer: signer)
            for outcome in issuing.outcomes.suffix(2) { try verify(try outcome.get().receipt, against: issuing) }
            #expect(issuing.checkpoint?.size == size + 4)
            try await verifyLog(t.store)
        }
    }

    /// Past a request's deadline the expiry that came due commits before the refusal it causes; a
    /// batch with nothing to log signs nothing and returns the checkpoint in force.
    @Test(arguments: Backend.available)
    func anExpiryThatCameDueCommitsBeforeTheRefusalAndNothingToLogSignsNothing(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try request()
            _ = try await t.store.commit([Change(.create(consent))], at: now, signer: signer)
            let late = consent.requestExpiresAt.addingTimeInterval(1)
            let expired = try await t.store.commit([Change(.act(consent.id, by: .citizen(person), .grant(by: person)))], at: late, signer: signer)
            let outcome = try expired.outcomes[0].get()
            #expect(outcome.refusal == DomainError(.illegalTransition, field: "status", reason: "cannot grant a consent that is expired"))
            #expect(outcome.entries.map(\.type) == [.consentExpired])
            #expect(try await t.store.consent(consent.id, for: .citizen(person)).status == .expired)
            let nothing = try await t.store.commit([Change(.act(consent.id, by: .bank(bank), .settleExpiry))], at: late, signer: signer)
            #expect(nothing.checkpoint == expired.checkpoint)
            try await verifyLog(t.store)
        }
    }

    /// A refused bundle gives its key back; a finished key refuses another request as it did while
    /// pending; a release with a token that is not the claim's does nothing; pruning takes finished
    /// and pending records alike by age.
    @Test(arguments: Backend.available)
    func aRefusedBundleGivesItsKeyBackAndReleaseAndPruneTakeOnlyWhatTheyShould(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try await log.commit(Change(.create(try request(maxUses: 1))), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now)
            guard case .proceed(let first) = try await t.store.claim(key("bundle"), now: now) else { Issue.record("not claimed"); return }
            _ = try await log.commit(Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(), for: bank)), completing: IdempotencyCompletion(claim: first, sealedBundle: [1])), at: now)
            #expect(try await t.store.claim(IdempotencyKey(bank: bank, key: "bundle", requestHash: [9], abandonAfter: 30), now: now) == .mismatch)
            // The consent is exhausted now: the next bundle is refused, logged, and its key given back.
            guard case .proceed(let again) = try await t.store.claim(key("again"), now: now) else { Issue.record("not claimed"); return }
            let refused = try await log.commit(
                Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(2), for: bank)), completing: IdempotencyCompletion(claim: again, sealedBundle: [1])), at: now
            ).outcome
            #expect(refused.refusal == DomainError(.illegalTransition, field: "status", reason: "consent is exhausted, not active"))
            #expect(refused.entries.map(\.type) == [.bundleRefused])
            guard case .proceed(let retaken) = try await t.store.claim(key("again"), now: now) else { Issue.record("a refused bundle kept its key"); return }
            try await t.store.release(IdempotencyClaim(key: retaken.key, token: "not-the-token"))
            #expect(try await t.store.claim(key("again"), now: now) == .inProgress)
            guard case .proceed = try await t.store.claim(key("young"), now: now.addingTimeInterval(100)) else { Issue.record("not claimed"); return }
            // The finished "bundle" record and the pending "again" claim are older than the cut.
            #expect(try await t.store.pruneIdempotency(before: now.addingTimeInterval(50)) == 2)
            #expect(try await t.store.claim(key("young"), now: now.addingTimeInterval(101)) == .inProgress)
        }
    }

    @Test(arguments: Backend.available)
    func theSweepExpiresWhatCameDueOldestFirstUpToItsLimit(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let first = try request(at: now)
            let second = try request(at: now.addingTimeInterval(60))
            let open = try request(at: now.addingTimeInterval(86_400 * 2))
            _ = try await t.store.commit([first, second, open].map { Change(.create($0)) }, at: now, signer: signer)
            let sweepAt = second.requestExpiresAt.addingTimeInterval(1)
            let one = try await t.store.commit([Change(.expireDue(limit: 1))], at: sweepAt, signer: signer)
            #expect(try one.outcomes[0].get().expired == 1)
            #expect(try one.outcomes[0].get().entries.map(\.consentId) == [first.id])
            let rest = try await t.store.commit([Change(.expireDue(limit: 10))], at: sweepAt, signer: signer)
            #expect(try rest.outcomes[0].get().expired == 1)
            #expect(try await t.store.consent(second.id, for: .bank(bank)).status == .expired)
            #expect(try await t.store.consent(open.id, for: .bank(bank)).status == .pending)
            try await verifyLog(t.store)
        }
    }
}
