import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TransparencyLog

/// Rules that once lived in each backend and drifted apart: key lookup, claim tokens, completing a
/// claim, reading an idempotency record, and a missing Merkle node. Each holds for both backends.
extension StoreContractTests {
    func isCorrupt(_ error: any Error) -> Bool {
        (error as? StoreFailure)?.kind == .corrupt
    }

    /// Every start migrates: on a migrated store that applies nothing and loses nothing.
    @Test(arguments: Backend.available)
    func migratingAMigratedStoreChangesNothing(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let key = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await LogSequencer(store: t.store, signer: signer).commit(Change(.create(try request())), at: now)
            try await t.store.migrate()
            try await t.store.migrate()
            #expect(try await t.store.authenticate(key.text) == .bank(bank))
            #expect(try await t.store.logHead().size == 1)
            try await verifyLog(t.store)
        }
    }

    /// A bank key whose bank row holds no valid organisation number is the database's fault: reported
    /// as corrupt, never as the caller's invalid input.
    @Test(arguments: Backend.available)
    func aKeyNamingAnImpossibleBankIsCorrupt(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let key = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            // Nine digits, but the check digit is wrong.
            try await t.execute("INSERT INTO bank (org, name, createdAt) SELECT '123456789', 'Broken', createdAt FROM bank")
            try await t.execute("UPDATE apiKey SET bankOrg = '123456789'")
            await #expect { try await t.store.authenticate(key.text) } throws: { isCorrupt($0) }
        }
    }

    /// 128 random bits in lower-case hex, whichever backend hands it out.
    @Test(arguments: Backend.available)
    func aClaimTokenIs128RandomBitsInHex(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            var tokens: Set<String> = []
            for n in 0..<3 {
                guard case .proceed(let claim) = try await t.store.claim(key("token-\(n)"), now: now) else { Issue.record("not claimed"); return }
                #expect(claim.token.utf8.count == 32 && claim.token.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }, "\(claim.token)")
                tokens.insert(claim.token)
            }
            #expect(tokens.count == 3)
        }
    }

    /// Two changes of one batch completing the same claim: the first completes it, the second finds
    /// it no longer pending and is refused without doing anything.
    @Test(arguments: Backend.available)
    func aClaimIsCompletedOnceEvenByTwoChangesOfOneBatch(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            guard case .proceed(let claim) = try await t.store.claim(key("twice"), now: now) else { Issue.record("not claimed"); return }
            let first = try request()
            let second = try request()
            let batch = try await t.store.commit(
                [Change(.create(first), completing: IdempotencyCompletion(claim: claim)), Change(.create(second), completing: IdempotencyCompletion(claim: claim))],
                at: now, signer: signer
            )
            #expect(try batch.outcomes[0].get().consent?.id == first.id)
            #expect(throws: StorageError.idempotencyClaimLost) { try batch.outcomes[1].get() }
            #expect(try await t.store.claim(key("twice"), now: now) == .replay(.consentCreated(first.id)))
            await #expect(throws: StorageError.consentNotFound) { try await t.store.consent(second.id, for: .bank(bank)) }
            #expect(try await types(t.store) == ["consent.requested"])
        }
    }

    /// A finished record whose result is of no kind the broker writes is corrupt, not a created consent.
    @Test(arguments: Backend.available)
    func anIdempotencyRecordOfAnUnknownKindIsCorrupt(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await log.commit(Change(.create(try request()), claiming: key("kind")), at: now)
            // The schema refuses such a row; someone with database access got past it.
            switch backend {
            case .sqlite:
                try await t.execute("PRAGMA ignore_check_constraints = ON; UPDATE idempotencyKey SET resultKind = 'refund'")
            case .postgres:
                try await t.execute("""
                    DO $$ DECLARE c text; BEGIN
                        FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'idempotencykey'::regclass AND contype = 'c' LOOP
                            EXECUTE 'ALTER TABLE idempotencyKey DROP CONSTRAINT ' || c;
                        END LOOP;
                    END $$
                    """)
                try await t.execute("UPDATE idempotencyKey SET resultKind = 'refund'")
            }
            await #expect { try await t.store.claim(key("kind"), now: now) } throws: { isCorrupt($0) }
        }
    }

    /// A stored subtree the log needs and does not have is corrupt, whether a proof asks for it or
    /// the next commit needs it as the tree's right edge; nothing is committed past it.
    @Test(arguments: Backend.available)
    func aMissingMerkleNodeIsCorrupt(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            for _ in 0..<3 { _ = try await log.commit(Change(.create(try request())), at: now) }
            // Size 3: the right edge is the subtree (level 1, index 0) and the leaf (level 0, index 2).
            switch backend {
            case .sqlite: try await t.execute("DROP TRIGGER merkleNode_no_delete; DELETE FROM merkleNode WHERE level = 0 AND idx = 2")
            case .postgres: try await t.execute("ALTER TABLE merkleNode DISABLE TRIGGER merkleNode_no_change; DELETE FROM merkleNode WHERE level = 0 AND idx = 2")
            }
            await #expect { try await t.store.subtreeHashes([SubtreeCoordinate(level: 1, index: 0), SubtreeCoordinate(level: 0, index: 2)]) } throws: { isCorrupt($0) }
            await #expect { try await log.commit(Change(.create(try request())), at: now) } throws: { isCorrupt($0) }
            #expect(try await t.store.logHead().size == 3)
        }
    }
}
