import Foundation
@testable import PostgresStore
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport

@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)))
struct ReadAndPartyTests {
    let fixtures = Fixtures()

    @Test func partiesAndTheirKeys() async throws {
        try await PostgresTestDatabase.with { store, _ in
            let key = try await store.addBank(org: fixtures.bank, name: "  Test Sparebank ", now: fixtures.now)
            await #expect(throws: StorageError.bankExists(fixtures.bank)) { try await store.addBank(org: fixtures.bank, name: "Again", now: fixtures.now) }
            await #expect(throws: StorageError.refused(.invalid("name", "must not be blank"))) {
                try await store.addBank(org: fixtures.otherBank, name: " \n", now: fixtures.now)
            }
            await #expect(throws: StorageError.bankNotFound(fixtures.otherBank)) { try await store.addBankKey(org: fixtures.otherBank, now: fixtures.now) }
            #expect(try await store.bankNames() == [fixtures.bank: "Test Sparebank"])

            #expect(try await store.authenticate(key.text) == .bank(fixtures.bank))
            let second = try await store.addBankKey(org: fixtures.bank, now: fixtures.now.addingTimeInterval(1))
            #expect(try await store.bankKeys(org: fixtures.bank).map(\.id) == [key.keyID, second.keyID])
            #expect(try await store.revokeKey(id: key.keyID, role: .bank, now: fixtures.now))
            #expect(try await store.revokeKey(id: key.keyID, role: .bank, now: fixtures.now) == false)
            #expect(try await store.authenticate(key.text) == nil)
            #expect(try await store.authenticate(second.text) == .bank(fixtures.bank))
            #expect(try await store.bankKeys(org: fixtures.bank).map(\.id) == [second.keyID])

            let auditor = try await store.addAuditor(name: "Finanstilsynet", now: fixtures.now)
            await #expect(throws: StorageError.auditorExists("Finanstilsynet")) { try await store.addAuditor(name: "Finanstilsynet", now: fixtures.now) }
            #expect(try await store.authenticate(auditor.text) == .auditor(name: "Finanstilsynet"))
            // A key whose secret is wrong, or that is not a key at all.
            let forged = try #require(APIKey(parsing: "sbk_\(second.keyID).\(Base64URL.encode([UInt8](repeating: 1, count: 32)))"))
            #expect(try await store.authenticate(forged.text) == nil)
            #expect(try await store.authenticate("not a key") == nil)
        }
    }

    @Test func consentsPageByCreationTimeInEitherOrder() async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            _ = try await store.addBank(org: fixtures.otherBank, name: "Other Bank", now: fixtures.now)
            let mine = try (0..<5).map { try fixtures.request(at: fixtures.now.addingTimeInterval(Double($0))) }
            let theirs = try fixtures.request(from: fixtures.otherBank)
            _ = try await fixtures.commit(store, (mine + [theirs]).map { Change(.create($0)) }, at: fixtures.now.addingTimeInterval(10))
            _ = try await fixtures.commit(store, [Change(.act(mine[3].id, by: .citizen(fixtures.person), .grant(by: fixtures.person)))], at: fixtures.now.addingTimeInterval(10))
            let bank = Viewer.bank(fixtures.bank)

            let first = try await store.consents(ConsentQuery(viewer: bank, limit: 2))
            #expect(first.map(\.id) == [mine[4].id, mine[3].id])
            let next = try await store.consents(ConsentQuery(viewer: bank, after: first.last?.id, limit: 2))
            #expect(next.map(\.id) == [mine[2].id, mine[1].id])
            let oldest = try await store.consents(ConsentQuery(viewer: bank, order: .oldestFirst, after: mine[1].id, limit: 10))
            #expect(oldest.map(\.id) == [mine[2].id, mine[3].id, mine[4].id])
            #expect(try await store.consents(ConsentQuery(viewer: bank, status: .active)).map(\.id) == [mine[3].id])
            // Another bank's consent is no cursor for this one.
            #expect(try await store.consents(ConsentQuery(viewer: bank, after: theirs.id)).isEmpty)
            #expect(try await store.consents(ConsentQuery(viewer: .citizen(fixtures.person))).count == 6)

            let entries = try await store.logEntries(LogQuery(start: 2, limit: 3))
            #expect(entries.map(\.index) == [2, 3, 4])
            let aboutOne = try await store.logEntries(LogQuery(limit: 10, consentId: mine[3].id))
            #expect(try aboutOne.map { try LogLeaf(leafBytes: $0.leaf).type } == [.consentRequested, .consentGranted])
            #expect(try await store.logEntries(LogQuery(limit: 10, bankOrg: fixtures.otherBank)).map(\.index) == [5])
            #expect(try await store.logEntries(LogQuery(limit: 10, personId: fixtures.otherPerson)).isEmpty)
        }
    }
}
