import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TransparencyLog

/// A C2SP entry bundle prefixes each entry with a 16-bit length, so no entry may pass 65,535 bytes:
/// the commit path refuses one that would, and the domain's bounds keep every entry far below.
extension StoreContractTests {
    /// A store on `backend` with the bank registered, and the sequencer that commits to it.
    func withBank(on backend: Backend, _ body: (any Store, LogSequencer) async throws -> Void) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            try await body(t.store, LogSequencer(store: t.store, signer: signer))
        }
    }

    /// A v2 leaf is of nearly fixed length (its private part is in the opening), so only a consent
    /// requested before v2, which keeps writing v1 entries, can come near the limit.
    @Test(arguments: Backend.available)
    func anEntryOfExactly65535BytesCommitsAndOneByteMoreIsRefused(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let store = t.store, log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let consent = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            // As if requested before the upgrade: a consent without a tag.
            try await t.execute("DELETE FROM consentTag")
            // Nothing the broker logs is this long; a refusal's reason is the one field a caller of the store sets freely.
            func refusal(making length: Int, at index: UInt64) throws -> Change {
                let draft = AuditEntry.Draft(.bank(bank), .bundleRefused(reason: ""))
                let empty = try AuditEntry(index: index, time: now, consent: consent, draft: draft).leafBytes().count
                return Change(.act(consent.id, by: .bank(bank), .refuseBundle(reason: String(repeating: "x", count: length - empty), for: bank)))
            }
            _ = try await log.commit(try refusal(making: EntryBundle.maxEntryBytes, at: 1), at: now)
            #expect(try await store.logEntries(LogQuery(start: 1, limit: 1)).first?.leaf.count == 65_535)

            await #expect(throws: StorageError.refused(.invalid("entry", "would be 65536 bytes; a log entry holds at most 65535"))) {
                try await log.commit(try refusal(making: EntryBundle.maxEntryBytes + 1, at: 2), at: now)
            }
            #expect(try await store.logHead().size == 2)
            try await verifyLog(store)
        }
    }

    /// What a bank writes is the only text of any length on the log (reasons and identifiers are the
    /// broker's own, of fixed or short length), and its bounds are what keep an entry within a bundle:
    /// here the longest purpose the rules allow, every scalar of it as long as UTF-8 makes one.
    @Test(arguments: Backend.available)
    func theLargestEntryTheRulesAllowFitsAnEntryBundle(_ backend: Backend) async throws {
        try await withBank(on: backend) { store, log in
            // One Character of 4-byte scalars: a musical symbol under combining tremolo marks.
            let character = "\u{1D11E}" + String(repeating: "\u{1D167}", count: FreeText.scalarsPerCharacter - 1)
            let purpose = try Purpose(
                code: String(repeating: "a", count: Purpose.maxCodeLength), text: String(repeating: character, count: Purpose.maxTextCharacters)
            )
            #expect(purpose.text.utf8.count == 4 * Purpose.maxTextCharacters * FreeText.scalarsPerCharacter)
            let policy = ConsentPolicy()
            let terms = try ConsentTerms(
                personId: person, scopes: Scope.allCases, years: Array(2021...2025), purpose: purpose,
                validUntil: now.addingTimeInterval(policy.maxValidity), maxUses: policy.maxUsesLimit, now: now, policy: policy
            )
            let consent = Consent(bankOrg: bank, terms: terms, now: now, policy: policy)
            _ = try await log.commit(Change(.create(consent)), at: now)
            let opened = try #require(try await store.openedEntries(LogQuery(limit: 1)).first)
            let leaf = opened.leaf
            // Its index is 0 here; the widest a log entry can state (2^53, beyond which a JSON number is no integer) adds 15 digits.
            #expect(leaf.count + 15 <= EntryBundle.maxEntryBytes, "\(leaf.count) bytes")
            #expect(opened.entry?.event == .requested(LogEvent.RequestedTerms(consent)))
        }
    }
}
