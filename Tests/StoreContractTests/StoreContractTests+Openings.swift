import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TransparencyLog

/// v2 entries (SPEC §4): every leaf a public entry naming nobody, its opening stored beside it in
/// the same commit, one subject key per person, one tag per consent.
extension StoreContractTests {
    /// A consent requested, granted and used up, and another person's request: the log of both.
    func twoPeople(_ t: TestStore) async throws -> (used: Consent, other: Consent, otherPerson: PersonID, receipts: [AuditReceipt]) {
        let log = LogSequencer(store: t.store, signer: signer)
        _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
        let created = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
        let granted = try await log.commit(Change(.act(created.id, by: .citizen(person), .grant(by: person))), at: now).outcome
        let issued = try await log.commit(Change(.act(created.id, by: .bank(bank), .issueBundle(issue(), for: bank))), at: now).outcome
        let otherPerson = try PersonID("03839199405")
        let terms = try ConsentTerms(
            personId: otherPerson, scopes: [.debt], years: [2023], purpose: try Purpose(code: "loan-application", text: "Car loan"),
            validUntil: now.addingTimeInterval(86_400), maxUses: 1, now: now, policy: ConsentPolicy()
        )
        let other = try await log.commit(Change(.create(Consent(bankOrg: bank, terms: terms, now: now, policy: ConsentPolicy()))), at: now)
            .outcome.acceptedConsent()
        return (try issued.acceptedConsent(), other, otherPerson, [try #require(granted.receipt), try #require(issued.receipt)])
    }

    @Test(arguments: Backend.available)
    func everyEntryIsAPublicEntryOpenedByTheOpeningStoredBesideIt(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let (used, other, otherPerson, _) = try await twoPeople(t)
            let rows = try await t.store.logEntries(LogQuery(limit: 100))
            #expect(rows.count == 5)
            let key = try #require(try await t.store.subjectKey(of: person))
            let otherKey = try #require(try await t.store.subjectKey(of: otherPerson))
            #expect(key != otherKey)
            let openings = Dictionary(uniqueKeysWithValues: try await t.store.openings(at: rows.map(\.index), about: nil).map { ($0.index, $0) })
            var tags: [ConsentID: Set<ConsentTag>] = [:]
            for row in rows {
                let text = String(decoding: row.leaf, as: UTF8.self)
                // Nothing that names anyone: person, bank, consent id, purpose.
                for secret in [person.digits, otherPerson.digits, bank.digits, used.id.description, other.id.description, "Mortgage", "Car loan"] {
                    #expect(!text.contains(secret), "entry \(row.index) names \(secret)")
                }
                guard case .v2(let entry) = try LogLeaf(leafBytes: row.leaf) else { Issue.record("entry \(row.index) is not v2"); continue }
                let opening = try #require(openings[row.index])
                let parties = try #require(opening.privatePart.parties)
                try entry.check(opening, subjectKey: parties.personId == person ? key : otherKey)
                tags[parties.consentId, default: []].insert(entry.consent)
            }
            // One tag per consent, the same on all its entries.
            #expect(tags[used.id]?.count == 1 && tags[other.id]?.count == 1 && tags[used.id] != tags[other.id])
            #expect(try await t.store.auditedEntries(LogQuery(limit: 100)).map(\.type.rawValue) == [
                "consent.requested", "consent.granted", "bundle.issued", "consent.exhausted", "consent.requested",
            ])
            // Auditors get every opening, each with the key its subject tag was made with.
            let audited = try await auditorPage(t, from: 1, limit: 3)
            #expect(audited.map(\.opening.index) == [1, 2, 3] && audited.allSatisfy { $0.subjectKey == key })
            #expect(try await auditorPage(t, from: 4, limit: 10).map(\.subjectKey) == [otherKey])
            // Each written as the opening it is: it opens its entry as the one read by index does.
            for item in audited { #expect(item.opening == openings[item.opening.index]) }
        }
    }

    /// An auditor's page of openings as the store writes it, read back.
    func auditorPage(_ t: TestStore, from start: UInt64, limit: Int) async throws -> [OpeningsPage.Item] {
        let page = try await t.store.openingsPage(from: start, limit: limit).page(next: .end)
        return try #require(OpeningsPage.scanned(page), "not a canonical page: \(String(decoding: page, as: UTF8.self))").items
    }

    @Test(arguments: Backend.available)
    func filtersFindV2EntriesThroughTheirOpenings(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let (used, other, otherPerson, _) = try await twoPeople(t)
            #expect(try await t.store.logEntries(LogQuery(limit: 100, personId: person)).map(\.index) == [0, 1, 2, 3])
            #expect(try await t.store.logEntries(LogQuery(limit: 100, personId: otherPerson)).map(\.index) == [4])
            #expect(try await t.store.logEntries(LogQuery(limit: 100, consentId: other.id)).map(\.index) == [4])
            #expect(try await t.store.logEntries(LogQuery(start: 1, limit: 2, consentId: used.id)).map(\.index) == [1, 2])
            #expect(try await t.store.logEntries(LogQuery(limit: 100, bankOrg: bank)).map(\.index) == [0, 1, 2, 3, 4])
            #expect(try await t.store.logEntries(LogQuery(limit: 100, bankOrg: otherBank)).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func aPersonGetsOnlyTheirOwnOpenings(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let (_, _, otherPerson, _) = try await twoPeople(t)
            #expect(try await t.store.openings(at: [0, 1, 2, 3, 4, 99], about: person).map(\.index) == [0, 1, 2, 3])
            #expect(try await t.store.openings(at: [0, 4], about: otherPerson).map(\.index) == [4])
            #expect(try await t.store.openings(at: [0, 1], about: otherPerson).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func receiptsCarryTheOpeningOfTheirEntry(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let (used, _, _, receipts) = try await twoPeople(t)
            let key = try #require(try await t.store.subjectKey(of: person))
            for (receipt, type) in zip(receipts, [AuditEntry.EntryType.consentGranted, .bundleIssued]) {
                guard case .v2(let entry) = try LogLeaf(leafBytes: receipt.entry) else { Issue.record("receipt \(receipt.index) is not v2"); continue }
                let opened = try AuditEntry(entry, opening: try #require(receipt.opening), subjectKey: key)
                #expect(opened.type == type && opened.consentId == used.id && opened.personId == person && opened.bankOrg == bank)
                let checkpoint = try Checkpoint.open(receipt.checkpoint, verifier: try NoteVerifier(verifierKey: signer.verifierKey))
                try MerkleVerifier.verifyInclusion(
                    index: receipt.index, size: receipt.treeSize, leafHash: MerkleHasher.leafHash(receipt.entry), proof: receipt.inclusionProof,
                    root: checkpoint.rootHash
                )
            }
        }
    }

    @Test(arguments: Backend.available)
    func onePersonHasOneSubjectKeyAcrossConsentsAndBatches(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            #expect(try await t.store.subjectKey(of: person) == nil)
            // Two first requests for one person in one batch draw one key between them.
            _ = try await t.store.commit([Change(.create(try request())), Change(.create(try request()))], at: now, signer: signer)
            _ = try await LogSequencer(store: t.store, signer: signer).commit(Change(.create(try request())), at: now)
            let key = try #require(try await t.store.subjectKey(of: person))
            let rows = try await t.store.logEntries(LogQuery(limit: 100))
            let openings = try await t.store.openings(at: rows.map(\.index), about: person)
            #expect(rows.count == 3 && openings.count == 3)
            for (row, opening) in zip(rows, openings) {
                guard case .v2(let entry) = try LogLeaf(leafBytes: row.leaf) else { Issue.record("entry \(row.index) is not v2"); continue }
                try entry.check(opening, subjectKey: key)
            }
        }
    }
}
