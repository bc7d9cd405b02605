import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// A bank's own reference for a consent (issue 31): kept as given through every change, found by
/// the bank's list filter, and carried by the consent's events and their webhook deliveries.
extension StoreContractTests {
    @Test(arguments: Backend.available)
    func aConsentKeepsItsBanksReferenceAndIsFoundAndAnnouncedByIt(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))
            let reference = try ExternalReference("loan 2026/417 ~ \"A\"")
            func referenced(_ text: ExternalReference, from org: OrgNumber? = nil) throws -> Consent {
                let plain = try request(from: org)
                return Consent(bankOrg: plain.bankOrg, terms: plain.terms, externalReference: text, now: now, policy: ConsentPolicy())
            }
            let tagged = try await log.commit(Change(.create(try referenced(reference))), at: now).outcome.acceptedConsent()
            let untagged = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            // The same reference from another bank is that bank's own business.
            _ = try await log.commit(Change(.create(try referenced(reference, from: otherBank))), at: now)
            // A change rewrites the row; the reference stays.
            let granted = try await log.commit(Change(.act(tagged.id, by: .citizen(person), .grant(by: person))), at: now).outcome.acceptedConsent()
            #expect(granted.externalReference == reference)

            #expect(try await t.store.consent(tagged.id, for: .bank(bank)).externalReference == reference)
            #expect(try await t.store.consent(untagged.id, for: .bank(bank)).externalReference == nil)
            let found = try await t.store.consents(ConsentQuery(viewer: .bank(bank), externalReference: reference))
            #expect(found.map(\.id) == [tagged.id])
            #expect(try await t.store.consents(ConsentQuery(viewer: .bank(bank), externalReference: try ExternalReference("loan"))).isEmpty)
            #expect(try await t.store.consents(ConsentQuery(viewer: .bank(bank))).count == 2)

            let feed = try await events(t.store)
            #expect(feed.filter { $0.consentId == tagged.id }.map(\.externalReference) == [reference, reference])
            #expect(feed.filter { $0.consentId == untagged.id }.allSatisfy { $0.externalReference == nil })
            let jobs = try await t.store.claimDeliveries(now: now, leaseUntil: now.addingTimeInterval(60), limit: 10, perEndpoint: 10, lease: "one")
            #expect(jobs.filter { $0.event.consentId == tagged.id }.map(\.event.externalReference) == [reference])
            #expect(jobs.filter { $0.event.consentId == untagged.id }.map(\.event.externalReference) == [nil])
            // Nothing of it reaches the log, which the citizen and auditors read.
            for entry in try await t.store.logEntries(LogQuery(limit: 100)) {
                #expect(!String(decoding: entry.leaf, as: UTF8.self).contains("loan 2026/417"))
            }
        }
    }
}
