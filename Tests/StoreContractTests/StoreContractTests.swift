import Crypto
import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TransparencyLog
import TestSupport

/// One contract, every backend: each test walks one behaviour of storage through the same seam the
/// broker uses (`LogSequencer` for changes, the store protocols for reads).
@Suite(.sameOnEveryBackend) struct StoreContractTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let bank = try! OrgNumber("986352325")
    let otherBank = try! OrgNumber("974760673")
    /// A synthetic number (month + 80) with valid check digits.
    let person = try! PersonID("24859045681")
    let signer = LogSigner(origin: "test.local/log", signer: try! NoteSigner(name: "test.local/log", privateKey: Curve25519.Signing.PrivateKey()))

    func request(
        maxUses: Int = 1, validFor: TimeInterval = 86_400, at time: Date? = nil, from org: OrgNumber? = nil, for someone: PersonID? = nil
    ) throws -> Consent {
        let at = time ?? now
        let terms = try ConsentTerms(
            personId: someone ?? person, scopes: [.income], years: [2024], purpose: try Purpose(code: "loan-application", text: "Mortgage"),
            validUntil: at.addingTimeInterval(validFor), maxUses: maxUses, now: at, policy: ConsentPolicy()
        )
        return Consent(bankOrg: org ?? bank, terms: terms, now: at, policy: ConsentPolicy())
    }

    func issue(_ n: Int = 0) -> BundleIssue {
        BundleIssue(bundleID: "bundle-\(n)", bundleSHA256: String(repeating: "a", count: 64), scopes: [.income], years: [2024], sourceSHA256: String(repeating: "b", count: 64))
    }

    func types(_ store: any Store) async throws -> [String] {
        try await store.logEntries(LogQuery(limit: 10_000)).map { try LogLeaf(leafBytes: $0.leaf).type.rawValue }
    }

    /// Recomputes the root from the stored entries and checks the signed head covers exactly them.
    func verifyLog(_ store: any Store) async throws {
        let entries = try await store.logEntries(LogQuery(limit: 100_000))
        var tree = MerkleTreeBuilder()
        for (position, entry) in entries.enumerated() {
            #expect(entry.index == UInt64(position))
            #expect(try LogLeaf(leafBytes: entry.leaf).index == entry.index)
            tree.append(leafHash: MerkleHasher.leafHash(entry.leaf))
        }
        let head = try await store.logHead()
        let checkpoint = try Checkpoint.open(try #require(head.checkpoint).note, verifier: try NoteVerifier(verifierKey: signer.verifierKey))
        #expect(head.size == tree.size && checkpoint.size == tree.size && checkpoint.rootHash == tree.root())
    }

    @Test(arguments: Backend.available)
    func everyChangeCommitsWithItsEntriesAndASignedCheckpoint(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let created = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(created.id, by: .citizen(person), .grant(by: person))), at: now).outcome.acceptedConsent()
            let committed = try await log.commit(Change(.act(created.id, by: .bank(bank), .issueBundle(issue(), for: bank))), at: now)
            let used = try committed.outcome.acceptedConsent()
            #expect(used.status == .exhausted && used.uses == 1)
            #expect(try await types(t.store) == ["consent.requested", "consent.granted", "bundle.issued", "consent.exhausted"])

            let receipt = try #require(committed.outcome.receipt)
            let checkpoint = try Checkpoint.open(receipt.checkpoint, verifier: try NoteVerifier(verifierKey: signer.verifierKey))
            #expect(checkpoint.size == 4 && receipt.treeSize == 4 && receipt.index == 2)
            try MerkleVerifier.verifyInclusion(index: 2, size: 4, leafHash: MerkleHasher.leafHash(receipt.entry), proof: receipt.inclusionProof, root: checkpoint.rootHash)
            #expect(try AuditEntry(leafBytes: receipt.entry, opening: receipt.opening).event == .bundleIssued(BundleIssue(
                bundleID: "bundle-0", bundleSHA256: String(repeating: "a", count: 64), scopes: [.income], years: [2024],
                sourceSHA256: String(repeating: "b", count: 64), use: 1
            )))
            try await verifyLog(t.store)
        }
    }

    @Test(arguments: Backend.available)
    func aRefusalCommitsWhatItLogsAndChangesNothingElse(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try await log.commit(Change(.create(try request(maxUses: 3))), at: now).outcome.acceptedConsent()
            // Not granted yet: the bundle check is refused, and the refusal is on the log.
            let refused = try await log.commit(Change(.act(consent.id, by: .bank(bank), .requireUsable(for: bank))), at: now).outcome
            #expect(refused.refusal?.code == .illegalTransition)
            _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now)
            _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .revoke(by: person))), at: now)
            // A revoke that won the race: the bundle is refused and `bundle.refused` logged.
            let late = try await log.commit(Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(), for: bank))), at: now).outcome
            #expect(late.refusal == DomainError(.illegalTransition, field: "status", reason: "consent is revoked, not active") && late.receipt == nil)
            #expect(try await types(t.store) == ["consent.requested", "bundle.refused", "consent.granted", "consent.revoked", "bundle.refused"])
            #expect(try await t.store.consent(consent.id, for: .bank(bank)).uses == 0)
            // A citizen's refused answer logs nothing.
            let again = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now).outcome
            #expect(again.refusal?.code == .illegalTransition && again.entries.isEmpty)
            try await verifyLog(t.store)
        }
    }

    @Test(arguments: Backend.available)
    func anotherPartysConsentIsNotFound(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "A", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "B", now: now)
            let consent = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            let stranger = try PersonID("14830351257")
            await #expect(throws: StorageError.consentNotFound) { try await t.store.consent(consent.id, for: .bank(otherBank)) }
            await #expect(throws: StorageError.consentNotFound) { try await t.store.consent(consent.id, for: .citizen(stranger)) }
            await #expect(throws: StorageError.consentNotFound) {
                try await log.commit(Change(.act(consent.id, by: .citizen(stranger), .grant(by: stranger))), at: now)
            }
            await #expect(throws: StorageError.consentNotFound) {
                try await log.commit(Change(.act(consent.id, by: .bank(otherBank), .withdraw(by: otherBank))), at: now)
            }
            #expect(try await types(t.store) == ["consent.requested"])
        }
    }

    @Test(arguments: Backend.available)
    func concurrentChangesShareCommitsAndMaxUsesHolds(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try await log.commit(Change(.create(try request(maxUses: 5))), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now)
            let outcomes = try await withThrowingTaskGroup(of: LogSequencer.Committed.self) { group in
                for n in 0..<40 {
                    group.addTask { try await log.commit(Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(n), for: bank))), at: now) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let issued = outcomes.filter { $0.outcome.refusal == nil }
            #expect(issued.count == 5)
            #expect(try await t.store.consent(consent.id, for: .bank(bank)).status == .exhausted)
            // Group commit: forty changes did not take forty checkpoints.
            #expect(Set(outcomes.compactMap { $0.checkpoint?.size }).count < outcomes.count)
            for committed in issued {
                let receipt = try #require(committed.outcome.receipt)
                let checkpoint = try Checkpoint.open(receipt.checkpoint, verifier: try NoteVerifier(verifierKey: signer.verifierKey))
                try MerkleVerifier.verifyInclusion(
                    index: receipt.index, size: receipt.treeSize, leafHash: MerkleHasher.leafHash(receipt.entry),
                    proof: receipt.inclusionProof, root: checkpoint.rootHash
                )
            }
            try await verifyLog(t.store)
        }
    }

    @Test(arguments: Backend.available)
    func expiryIsSweptInBoundedBatchesAndLogged(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            var pending: [Consent] = []
            for _ in 0..<3 { pending.append(try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()) }
            #expect(try await log.commit(Change(.expireDue(limit: 10)), at: now).outcome.expired == 0)
            let due = pending[0].requestExpiresAt
            #expect(try await log.commit(Change(.expireDue(limit: 2)), at: due).outcome.expired == 2)
            #expect(try await log.commit(Change(.expireDue(limit: 2)), at: due).outcome.expired == 1)
            #expect(try await log.commit(Change(.expireDue(limit: 2)), at: due).outcome.expired == 0)
            for consent in pending { #expect(try await t.store.consent(consent.id, for: .citizen(person)).status == .expired) }
            #expect(try await types(t.store).filter { $0 == "consent.expired" }.count == 3)
            try await verifyLog(t.store)
        }
    }

    @Test(arguments: Backend.available)
    func theBankWithdrawsAndTheLogSaysItWasTheBank(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            let withdrawn = try await log.commit(Change(.act(consent.id, by: .bank(bank), .withdraw(by: bank))), at: now).outcome
            #expect(try withdrawn.acceptedConsent().status == .withdrawn)
            let entry = try #require(try await t.store.auditedEntries(LogQuery(start: 1, limit: 1)).first)
            #expect(entry.type == .consentWithdrawn && entry.actor == .bank(bank))
            let twice = try await log.commit(Change(.act(consent.id, by: .bank(bank), .withdraw(by: bank))), at: now).outcome
            #expect(twice.refusal?.code == .illegalTransition)
        }
    }

    @Test(arguments: Backend.available)
    func consentsPageByCursorInBothOrders(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            var made: [Consent] = []
            for i in 0..<5 {
                let at = now.addingTimeInterval(Double(i))
                made.append(try await log.commit(Change(.create(try request(at: at))), at: at).outcome.acceptedConsent())
            }
            func page(_ order: ConsentQuery.Order, after: ConsentID?) async throws -> [ConsentID] {
                try await t.store.consents(ConsentQuery(viewer: .bank(bank), order: order, after: after, limit: 2)).map(\.id)
            }
            var newest: [ConsentID] = []
            var cursor: ConsentID?
            repeat {
                let next = try await page(.newestFirst, after: cursor)
                newest += next
                cursor = next.count == 2 ? next.last : nil
            } while cursor != nil
            #expect(newest == made.reversed().map(\.id))
            #expect(try await page(.oldestFirst, after: made[1].id) == [made[2].id, made[3].id])
            #expect(try await t.store.consents(ConsentQuery(viewer: .bank(otherBank))).isEmpty)
            #expect(try await t.store.consents(ConsentQuery(viewer: .bank(bank), status: .active)).isEmpty)
            #expect(try await t.store.consents(ConsentQuery(viewer: .citizen(person))).count == 5)
            // Another bank's consent is no cursor for this one.
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            let theirs = try await log.commit(Change(.create(try request(from: otherBank))), at: now).outcome.acceptedConsent()
            #expect(try await t.store.consents(ConsentQuery(viewer: .bank(bank), after: theirs.id)).isEmpty)
            // The log reads by position and by what an entry names.
            #expect(try await t.store.logEntries(LogQuery(start: 2, limit: 2)).map(\.index) == [2, 3])
            #expect(try await t.store.logEntries(LogQuery(limit: 10, bankOrg: otherBank)).map(\.index) == [5])
            #expect(try await t.store.logEntries(LogQuery(limit: 10, consentId: made[3].id)).map(\.index) == [3])
            #expect(try await t.store.logEntries(LogQuery(limit: 10, personId: try PersonID("14830351257"))).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func theLogRefusesRewritesOfEveryKind(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await log.commit(Change(.create(try request())), at: now)
            _ = try await log.commit(Change(.create(try request())), at: now)
            var attacks = [
                "UPDATE auditEntry SET type = 'x'", "DELETE FROM auditEntry WHERE idx = 1", "DELETE FROM merkleNode",
                "UPDATE checkpoint SET signedNote = 'x'", "DELETE FROM checkpoint", "UPDATE logHead SET size = 0", "DELETE FROM logHead",
                // An entry must carry the next index: not a gap, not an old one.
                "INSERT INTO auditEntry (idx, leaf, leafHash, type, time, consentId, personId, bankOrg) SELECT idx + 5, leaf, leafHash, type, time, consentId, personId, bankOrg FROM auditEntry WHERE idx = 0",
            ]
            switch backend {
            case .sqlite:
                // INSERT OR REPLACE deletes the old row without firing DELETE triggers.
                attacks += [
                    "INSERT OR REPLACE INTO auditEntry SELECT * FROM auditEntry WHERE idx = 0",
                    "INSERT OR REPLACE INTO merkleNode SELECT level, idx, hash FROM merkleNode WHERE level = 0 AND idx = 0",
                    "INSERT OR REPLACE INTO checkpoint SELECT * FROM checkpoint WHERE size = 1",
                ]
            case .postgres:
                attacks += [
                    "INSERT INTO auditEntry SELECT * FROM auditEntry WHERE idx = 0 ON CONFLICT (idx) DO UPDATE SET type = 'x'",
                    "INSERT INTO merkleNode SELECT * FROM merkleNode WHERE level = 0 AND idx = 0 ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash",
                    "TRUNCATE auditEntry", "TRUNCATE merkleNode", "TRUNCATE checkpoint",
                ]
            }
            for sql in attacks {
                do {
                    try await t.execute(sql)
                    Issue.record("accepted: \(sql)")
                } catch {
                    // The database's own refusal, not some other failure of the statement.
                    #expect(String(reflecting: error).contains("append-only"), "\(sql): \(String(reflecting: error))")
                }
            }
            #expect(try await t.store.logHead().size == 2)
            try await verifyLog(t.store)
        }
    }

    @Test(arguments: Backend.available)
    func idempotencyKeysClaimReplayAndRefuseOthers(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let key = IdempotencyKey(bank: bank, key: "k1", requestHash: [1, 2, 3], abandonAfter: 30)
            guard case .proceed(let claim) = try await t.store.claim(key, now: now) else { Issue.record("a new key was not claimed"); return }
            #expect(try await t.store.claim(key, now: now.addingTimeInterval(1)) == .inProgress)
            let other = IdempotencyKey(bank: bank, key: "k1", requestHash: [9], abandonAfter: 30)
            #expect(try await t.store.claim(other, now: now.addingTimeInterval(1)) == .mismatch)
            // The same key of another bank is another record.
            _ = try await t.store.addBank(org: otherBank, name: "B", now: now)
            guard case .proceed = try await t.store.claim(IdempotencyKey(bank: otherBank, key: "k1", requestHash: [9], abandonAfter: 30), now: now) else {
                Issue.record("another bank's key collided"); return
            }

            let consent = try await log.commit(Change(.create(try request()), completing: IdempotencyCompletion(claim: claim)), at: now).outcome.acceptedConsent()
            #expect(try await t.store.claim(key, now: now.addingTimeInterval(2)) == .replay(.consentCreated(consent.id)))
            // A day later the record is forgotten and the key is new again.
            guard case .proceed = try await t.store.claim(key, now: now.addingTimeInterval(86_401)) else { Issue.record("an expired record still replays"); return }
            // Pruning deletes what is older than the cut: the other bank's pending claim, not the new one.
            #expect(try await t.store.pruneIdempotency(before: now.addingTimeInterval(86_400)) == 1)
            #expect(try await t.store.claim(key, now: now.addingTimeInterval(86_402)) == .inProgress)
        }
    }

    @Test(arguments: Backend.available)
    func aClaimTakenOverCannotCompleteOrRelease(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try await log.commit(Change(.create(try request(maxUses: 2))), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now)
            let key = IdempotencyKey(bank: bank, key: "slow", requestHash: [7], abandonAfter: 30)
            guard case .proceed(let first) = try await t.store.claim(key, now: now) else { Issue.record("not claimed"); return }
            // The first request runs past `abandonAfter`; a retry takes the key over.
            guard case .proceed(let second) = try await t.store.claim(key, now: now.addingTimeInterval(31)) else { Issue.record("not taken over"); return }
            #expect(first.token != second.token)
            try await t.store.release(first)
            #expect(try await t.store.claim(key, now: now.addingTimeInterval(32)) == .inProgress)
            await #expect(throws: StorageError.idempotencyClaimLost) {
                try await log.commit(
                    Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(), for: bank)), completing: IdempotencyCompletion(claim: first, sealedBundle: [1])),
                    at: now.addingTimeInterval(33)
                )
            }
            #expect(try await t.store.consent(consent.id, for: .bank(bank)).uses == 0)
            let issued = try await log.commit(
                Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(), for: bank)), completing: IdempotencyCompletion(claim: second, sealedBundle: [1])),
                at: now.addingTimeInterval(34)
            ).outcome
            let index = try #require(issued.receipt?.index)
            #expect(try await t.store.claim(key, now: now.addingTimeInterval(35)) == .replay(.bundleIssued(consent.id, sealedBundle: [1], logIndex: index)))
        }
    }

    /// A sealed bundle kept for an `Idempotency-Key` retry goes in the very commit that ends the
    /// consent (revoke, withdrawal, expiry), not a day later; the use that exhausted a consent may
    /// still be retried, since its answer may be what was lost.
    @Test(arguments: Backend.available)
    func theCommitThatEndsAConsentDeletesItsSealedBundles(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            /// A granted consent with one bundle issued under `key`, and that bundle's replay.
            func issued(
                _ key: String, maxUses: Int = 3, validFor: TimeInterval = 86_400, requestedUnder: IdempotencyKey? = nil
            ) async throws -> (Consent, IdempotencyKey, IdempotencyOutcome) {
                let terms = try request(maxUses: maxUses, validFor: validFor)
                let consent = try await log.commit(Change(.create(terms), claiming: requestedUnder), at: now).outcome.acceptedConsent()
                _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now)
                let idempotency = IdempotencyKey(bank: bank, key: key, requestHash: [1], abandonAfter: 30)
                guard case .proceed(let claim) = try await t.store.claim(idempotency, now: now) else { throw StorageError.idempotencyInProgress }
                let sealed = IdempotencyCompletion(claim: claim, sealedBundle: Array(key.utf8))
                let receipt = try await log.commit(Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(), for: bank)), completing: sealed), at: now).outcome.receipt
                let replay = IdempotencyOutcome.replay(.bundleIssued(consent.id, sealedBundle: Array(key.utf8), logIndex: try #require(receipt).index))
                #expect(try await t.store.claim(idempotency, now: now) == replay, "\(key)")
                return (consent, idempotency, replay)
            }
            // The request that made the consent had a key too; it holds no tax data, and stays.
            let requested = IdempotencyKey(bank: bank, key: "requested", requestHash: [2], abandonAfter: 30)
            let revoked = try await issued("revoked", requestedUnder: requested)
            let withdrawn = try await issued("withdrawn")
            let expired = try await issued("expired", validFor: 3_600)
            let exhausted = try await issued("exhausted", maxUses: 1)
            let active = try await issued("active")

            let later = now.addingTimeInterval(3_601)
            _ = try await log.commit(Change(.act(revoked.0.id, by: .citizen(person), .revoke(by: person))), at: later).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(withdrawn.0.id, by: .bank(bank), .withdraw(by: bank))), at: later).outcome.acceptedConsent()
            #expect(try await log.commit(Change(.expireDue(limit: 10)), at: later).outcome.expired == 1)
            #expect(try await t.store.consent(expired.0.id, for: .bank(bank)).status == .expired)

            for (name, ended) in [("revoked", revoked), ("withdrawn", withdrawn), ("expired", expired)] {
                // The record is gone with its sealed copy: the key is free, a retry a new request.
                guard case .proceed = try await t.store.claim(ended.1, now: later) else {
                    Issue.record("the \(name) consent's sealed bundle is still kept")
                    continue
                }
            }
            #expect(try await t.store.claim(exhausted.1, now: later) == exhausted.2)
            #expect(try await t.store.claim(active.1, now: later) == active.2)
            #expect(try await t.store.claim(requested, now: later) == .replay(.consentCreated(revoked.0.id)))
        }
    }

    @Test(arguments: Backend.available)
    func apiKeysAreStoredHashedAndOnlyTheirOwnerMatches(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let key = try await t.store.addBank(org: bank, name: "  Test Sparebank ", now: now)
            #expect(try await t.store.authenticate(key.text) == .bank(bank))
            let auditor = try await t.store.addAuditor(name: "Finanstilsynet", now: now)
            await #expect(throws: StorageError.auditorExists("Finanstilsynet")) { try await t.store.addAuditor(name: "Finanstilsynet", now: now) }
            await #expect(throws: StorageError.refused(.invalid("name", "must not be blank"))) { try await t.store.addBank(org: otherBank, name: " \n", now: now) }
            #expect(try await t.store.authenticate(auditor.text) == .auditor(name: "Finanstilsynet"))
            var tampered = Array(key.text.utf8)
            tampered[tampered.count - 2] = tampered[tampered.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(try await t.store.authenticate(String(decoding: tampered, as: UTF8.self)) == nil)
            #expect(try await t.store.authenticate("sbk_nothing") == nil)
            await #expect(throws: StorageError.bankExists(bank)) { try await t.store.addBank(org: bank, name: "Again", now: now) }
            await #expect(throws: StorageError.bankNotFound(otherBank)) { try await t.store.addBankKey(org: otherBank, now: now) }
            let second = try await t.store.addBankKey(org: bank, now: now.addingTimeInterval(1))
            #expect(try await t.store.bankKeys(org: bank).map(\.id) == [key.keyID, second.keyID])
            #expect(try await t.store.revokeKey(id: key.keyID, role: .bank, now: now))
            #expect(try await t.store.revokeKey(id: key.keyID, role: .bank, now: now) == false)
            #expect(try await t.store.authenticate(key.text) == nil)
            #expect(try await t.store.authenticate(second.text) == .bank(bank))
            #expect(try await t.store.bankKeys(org: bank).map(\.id) == [second.keyID])
            #expect(try await t.store.bankNames() == [bank: "Test Sparebank"])
            // A name a citizen will read may not hide a line break or a direction override.
            for (spoof, hidden) in [("Bank\nstatus: active (pre-approved)", "\\u{000A}"), ("Bank \u{202E}knaB", "\\u{202E}")] {
                let refusal = StorageError.refused(.invalid("name", "must not contain control, format or separator characters such as \(hidden)"))
                await #expect(throws: refusal, "\(spoof.debugDescription)") { try await t.store.addAuditor(name: spoof, now: now) }
            }
            await #expect(throws: StorageError.refused(.invalid("name", "must not be blank"))) { try await t.store.addAuditor(name: " ", now: now) }
        }
    }

    /// Auditors are listed with their keys' ids and status, revoked by name or key id, and a bank's
    /// key revocation never reaches an auditor's key, nor an auditor's a bank's.
    @Test(arguments: Backend.available)
    func auditorKeysAreListedAndRevokedApartFromBankKeys(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let bankKey = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let first = try await t.store.addAuditor(name: "Finanstilsynet", now: now)
            let second = try await t.store.addAuditor(name: "Riksrevisjonen", now: now.addingTimeInterval(1))
            #expect(try await t.store.auditorKeys() == [
                AuditorKeyListing(auditor: "Finanstilsynet", id: first.keyID, createdAt: now, revokedAt: nil),
                AuditorKeyListing(auditor: "Riksrevisjonen", id: second.keyID, createdAt: now.addingTimeInterval(1), revokedAt: nil),
            ])
            #expect(try await t.store.revokeKey(id: first.keyID, role: .bank, now: now) == false)
            #expect(try await t.store.revokeKey(id: bankKey.keyID, role: .auditor, now: now) == false)
            #expect(try await t.store.authenticate(first.text) == .auditor(name: "Finanstilsynet"))
            #expect(try await t.store.authenticate(bankKey.text) == .bank(bank))

            let later = now.addingTimeInterval(5)
            #expect(try await t.store.revokeAuditor("Finanstilsynet", now: later) == "Finanstilsynet")
            #expect(try await t.store.authenticate(first.text) == nil)
            #expect(try await t.store.revokeAuditor("Finanstilsynet", now: later) == nil)
            #expect(try await t.store.revokeAuditor(second.keyID, now: later) == "Riksrevisjonen")
            #expect(try await t.store.authenticate(second.text) == nil)
            #expect(try await t.store.revokeAuditor(bankKey.keyID, now: later) == nil)
            #expect(try await t.store.authenticate(bankKey.text) == .bank(bank))
            #expect(try await t.store.auditorKeys().map(\.revokedAt) == [later, later])
        }
    }

    @Test(arguments: Backend.available)
    func anImpossibleRowIsReportedNotServed(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try await log.commit(Change(.create(try request(maxUses: 2))), at: now).outcome.acceptedConsent()
            try await t.execute("UPDATE consent SET status = 'active', uses = 1")
            await #expect {
                try await t.store.consent(consent.id, for: .bank(bank))
            } throws: { error in
                (error as? StoreFailure)?.kind == .corrupt
            }
        }
    }

    @Test(arguments: Backend.available)
    func concurrentRetriesOfARequestCreateOneConsent(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let key = IdempotencyKey(bank: bank, key: "loan-4711", requestHash: [4, 7], abandonAfter: 30)
            let consent = try request()
            let outcomes = try await withThrowingTaskGroup(of: ChangeOutcome.self) { group in
                for _ in 0..<10 { group.addTask { try await log.commit(Change(.create(consent), claiming: key), at: now).outcome } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.consent?.id == consent.id && $0.replayed == nil }.count == 1)
            #expect(outcomes.filter { $0.replayed == .consentCreated(consent.id) }.count == 9)
            #expect(try await types(t.store) == ["consent.requested"])
            let other = IdempotencyKey(bank: bank, key: "loan-4711", requestHash: [9], abandonAfter: 30)
            await #expect(throws: StorageError.idempotencyMismatch) {
                try await log.commit(Change(.create(try request()), claiming: other), at: now)
            }
        }
    }
}
