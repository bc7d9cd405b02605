import Crypto
import Foundation
import GRDB
import SamtykkeCore
import Testing
import TransparencyLog
@testable import SamtykkeStorage

/// Given a real SQLite file in a temp dir, each test walks one behaviour of the data layer.
@Suite struct SamtykkeDatabaseTests {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("samtykke-storage-\(UUID().uuidString)")
    let logKey = Curve25519.Signing.PrivateKey()
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let bank = try! OrgNumber("986352325")
    /// A synthetic number (month + 80) with valid check digits.
    let person = try! PersonID("24859045681")

    func open() throws -> SamtykkeDatabase {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try SamtykkeDatabase(
            path: dir.appendingPathComponent("test.sqlite").path,
            log: ConsentLog(origin: "test.local/log", signer: try NoteSigner(name: "test.local/log", privateKey: logKey))
        )
    }

    func request(maxUses: Int = 1) throws -> Consent {
        let terms = try ConsentTerms(
            personId: person, scopes: [.income], years: [2024], purpose: try Purpose(code: "loan-application", text: "Mortgage"),
            validUntil: now.addingTimeInterval(86_400), maxUses: maxUses, now: now, policy: ConsentPolicy()
        )
        return Consent(bankOrg: bank, terms: terms, now: now, policy: ConsentPolicy())
    }

    func types(_ db: SamtykkeDatabase) async throws -> [String] {
        try await db.logEntries(start: 0, limit: 1000).map { try AuditEntry(leafBytes: $0.leaf).type.rawValue }
    }

    @Test func everyChangeCommitsWithItsEntryAndASignedCheckpoint() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try open()
        _ = try db.addBank(org: bank, name: "Test Sparebank", now: now)
        let consent = try await db.createConsent(try request())
        _ = try await db.answer(consent.id, by: person, .grant, now: now)
        _ = try await db.checkBundleAllowed(consent.id, for: bank, now: now)
        let (used, receipt) = try await db.recordBundleIssued(consent.id, for: bank, details: ["bundleSha256": .string("00")], now: now)
        #expect(used.status == .exhausted && used.uses == 1)
        #expect(try await types(db) == ["consent.requested", "consent.granted", "bundle.issued", "consent.exhausted"])

        let verifier = try NoteVerifier(verifierKey: db.log.signer.verifierKey)
        let checkpoint = try Checkpoint.open(receipt.checkpoint, verifier: verifier)
        #expect(checkpoint.size == 4 && receipt.treeSize == 4 && receipt.index == 2)
        try MerkleVerifier.verifyInclusion(index: 2, size: 4, leafHash: MerkleHasher.leafHash(receipt.entry), proof: receipt.inclusionProof, root: checkpoint.rootHash)
        #expect(try Checkpoint.open(try await db.latestCheckpoint(now: now), verifier: verifier) == checkpoint)

        // A refused request is logged too, and changes nothing else.
        await #expect(throws: StorageError.self) { try await db.checkBundleAllowed(consent.id, for: bank, now: now) }
        #expect(try await types(db).last == "bundle.refused")
        #expect(try await db.consent(consent.id, for: .bank(bank)).uses == 1)
    }

    @Test func aRevokeThatWinsTheRaceDiscardsTheBundle() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try open()
        _ = try db.addBank(org: bank, name: "Test Sparebank", now: now)
        let consent = try await db.createConsent(try request(maxUses: 3))
        _ = try await db.answer(consent.id, by: person, .grant, now: now)
        _ = try await db.checkBundleAllowed(consent.id, for: bank, now: now)
        _ = try await db.answer(consent.id, by: person, .revoke, now: now)
        await #expect(throws: StorageError.self) {
            try await db.recordBundleIssued(consent.id, for: bank, details: [:], now: now)
        }
        #expect(try await types(db) == ["consent.requested", "consent.granted", "consent.revoked", "bundle.refused"])
        #expect(try await db.consent(consent.id, for: .bank(bank)).uses == 0)
    }

    @Test func theLogRefusesUpdatesAndDeletes() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try open()
        _ = try db.addBank(org: bank, name: "Test Sparebank", now: now)
        _ = try await db.createConsent(try request())
        for sql in ["UPDATE auditEntry SET type = 'x'", "DELETE FROM auditEntry", "DELETE FROM merkleNode", "UPDATE checkpoint SET size = 9"] {
            await #expect(throws: DatabaseError.self) { try await db.writer.write { try $0.execute(sql: sql) } }
        }
        #expect(try await db.logSize() == 1)
    }

    @Test func expiryIsSweptAndLogged() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try open()
        _ = try db.addBank(org: bank, name: "Test Sparebank", now: now)
        let pending = try await db.createConsent(try request())
        #expect(try await db.expireDue(now: now) == 0)
        #expect(try await db.expireDue(now: pending.requestExpiresAt) == 1)
        #expect(try await db.consent(pending.id, for: .citizen(person)).status == .expired)
        #expect(try await types(db) == ["consent.requested", "consent.expired"])
        #expect(try await db.expireDue(now: pending.requestExpiresAt) == 0)
    }

    @Test func apiKeysAreStoredHashedAndOnlyTheirOwnerMatches() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try open()
        let key = try db.addBank(org: bank, name: "Test Sparebank", now: now)
        #expect(try await db.authenticate(key.text) == .bank(bank))
        let auditor = try db.addAuditor(name: "Finanstilsynet", now: now)
        #expect(try await db.authenticate(auditor.text) == .auditor(name: "Finanstilsynet"))

        var tampered = Array(key.text.utf8)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(try await db.authenticate(String(decoding: tampered, as: UTF8.self)) == nil)
        #expect(try await db.authenticate("sbk_nothing") == nil)
        let stored = try await db.writer.read { try Data.fetchAll($0, sql: "SELECT secretHash FROM apiKey ORDER BY createdAt, id") }
        #expect(Set(stored.map(Array.init)) == [key.secretHash, auditor.secretHash])
    }

    @Test func anImpossibleRowIsReportedNotServed() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try open()
        _ = try db.addBank(org: bank, name: "Test Sparebank", now: now)
        let consent = try await db.createConsent(try request(maxUses: 2))
        try await db.writer.write { try $0.execute(sql: "UPDATE consent SET status = 'active', uses = 1") }
        await #expect(throws: StorageError.self) { try await db.consent(consent.id, for: .bank(bank)) }
    }
}
