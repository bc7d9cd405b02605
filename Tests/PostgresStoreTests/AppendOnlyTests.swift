import Foundation
@testable import PostgresStore
import SamtykkeStore
import Testing
import TestSupport

/// The database itself refuses to rewrite the log, whoever asks: these run raw SQL, as an operator
/// (or an attacker with the broker's credentials) could.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct AppendOnlyTests {
    let fixtures = Fixtures()
    let refused = Fixtures.appendOnlyRefusal

    /// A log of three entries: request, grant, withdrawal.
    func seeded(_ body: (PostgresStore) async throws -> Void) async throws {
        try await PostgresTestDatabase.with { store, _ in
            _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
            let consent = try fixtures.request()
            _ = try await fixtures.commit(store, [
                Change(.create(consent)),
                Change(.act(consent.id, by: .citizen(fixtures.person), .grant(by: fixtures.person))),
                Change(.act(consent.id, by: .bank(fixtures.bank), .withdraw(by: fixtures.bank))),
            ])
            #expect(try await store.logHead().size == 3)
            try await body(store)
        }
    }

    @Test(arguments: ["auditEntry", "merkleNode", "checkpoint"])
    func logRowsCannotBeUpdatedDeletedOrTruncated(table: String) async throws {
        try await seeded { store in
            let column = table == "checkpoint" ? "signedNote" : "hash"
            let update = table == "auditEntry" ? "UPDATE auditEntry SET type = 'consent.denied'" : "UPDATE \(table) SET \(column) = \(column)"
            #expect(await store.refusal(of: update) == refused)
            #expect(await store.refusal(of: "DELETE FROM \(table)") == refused)
            #expect(await store.refusal(of: "TRUNCATE \(table)") == refused)
            #expect(await store.refusal(of: "TRUNCATE \(table) CASCADE") == refused)
            let rows = try await store.integers("SELECT count(*) FROM \(table)")
            #expect(rows.first.map { $0 > 0 } == true)
        }
    }

    @Test func anUpsertIsRefusedLikeAnUpdate() async throws {
        try await seeded { store in
            #expect(await store.refusal(of: """
                INSERT INTO auditEntry (idx, leaf, leafHash, type, time, consentId, personId, bankOrg)
                SELECT idx, leaf, leafHash, type, time, consentId, personId, bankOrg FROM auditEntry WHERE idx = 0
                ON CONFLICT (idx) DO UPDATE SET type = 'consent.denied'
                """) == refused)
            #expect(await store.refusal(of: """
                INSERT INTO merkleNode (level, idx, hash) VALUES (0, 0, decode(repeat('00', 32), 'hex'))
                ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash
                """) == refused)
            #expect(await store.refusal(of: """
                INSERT INTO checkpoint (size, rootHash, signedNote, createdAt) VALUES (3, decode(repeat('00', 32), 'hex'), 'forged', now())
                ON CONFLICT (size) DO UPDATE SET signedNote = EXCLUDED.signedNote
                """) == refused)
        }
    }

    @Test func anEntryMustCarryTheNextIndex() async throws {
        try await seeded { store in
            func insert(_ index: Int) -> String {
                """
                INSERT INTO auditEntry (idx, leaf, leafHash, type, time, consentId, personId, bankOrg)
                SELECT \(index), leaf, leafHash, type, time, consentId, personId, bankOrg FROM auditEntry WHERE idx = 0
                """
            }
            #expect(await store.refusal(of: insert(4)) == refused, "a gap")
            #expect(await store.refusal(of: insert(2)) == refused, "a rewrite of an existing index")
            #expect(await store.refusal(of: insert(0)) == refused, "a rewrite of the first index")
            // The next index itself is accepted: the trigger polices order, the head lock does the rest.
            #expect(await store.refusal(of: insert(3)) == nil)
        }
    }

    @Test func theHeadOnlyGrows() async throws {
        try await seeded { store in
            #expect(await store.refusal(of: "UPDATE logHead SET size = size - 1") == refused)
            #expect(await store.refusal(of: "UPDATE logHead SET size = 0") == refused)
            #expect(await store.refusal(of: "DELETE FROM logHead") == refused)
            #expect(await store.refusal(of: "TRUNCATE logHead") == refused)
            #expect(await store.refusal(of: "UPDATE logHead SET size = size") == nil)
            let head = try await store.logHead()
            #expect(head.size == 3)
        }
    }
}
