import BrokerClient
import CanonicalJSON
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeAPI
import SamtykkeCore
@testable import SQLiteStore
import SamtykkeStore
import Testing
import TransparencyLog
import TestSupport

/// Who gets what of v2 entries (SPEC §2, §4): openings and subject keys, receipts with openings,
/// and entry bundles public while they hold only v2 entries.
@Suite(.sameOnEveryBackend) struct OpeningsRouteTests {
    /// A consent (of two uses) asked for, granted and used once: entries 0 (requested), 1 (granted), 2 (bundle.issued).
    func used(_ harness: RouterHarness, _ client: any TestClientProtocol, token: String) async throws -> (id: String, grant: TestResponse, bundle: TestResponse) {
        let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request())
        let id = try #require(created.json["id"] as? String)
        let grant = try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token)
        #expect(grant.status == .ok, "\(String(buffer: grant.body))")
        let bundle = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey)
        #expect(bundle.status == .created, "\(String(buffer: bundle.body))")
        return (id, grant, bundle)
    }

    @Test func answersAndBundlesCarryReceiptsWithTheirOpenings() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        try await harness.test { client in
            let (id, grant, bundle) = try await used(harness, client, token: token)
            let view = try JSONDecoder().decode(ConsentView.self, from: Data(buffer: grant.body))
            let receipt = try #require(view.auditReceipt)
            let granted = try ReceiptCheck.verify(answer: receipt, type: .consentGranted, consent: id, person: RouterHarness.person.digits)
            #expect(granted.index == 1 && granted.actor == .citizen(RouterHarness.person))
            #expect(throws: ReceiptError.self) {
                try ReceiptCheck.verify(answer: receipt, type: .consentRevoked, consent: id, person: RouterHarness.person.digits)
            }
            let answer = try JSONDecoder().decode(BundleAnswer.self, from: Data(buffer: bundle.body))
            let issued = try ReceiptCheck.verify(bundle: answer.bundle, receipt: answer.auditReceipt, logKey: harness.logVerifierKey)
            #expect(issued.entry.consentId.description == id && issued.entry.bankOrg == RouterHarness.bank)
            // Revoked: that answer's receipt is of consent.revoked.
            let revoked = try await client.send(.post, "/v1/me/consents/\(id)/revoke", bearer: token)
            let revokedView = try JSONDecoder().decode(ConsentView.self, from: Data(buffer: revoked.body))
            _ = try ReceiptCheck.verify(answer: try #require(revokedView.auditReceipt), type: .consentRevoked, consent: id, person: RouterHarness.person.digits)
        }
    }

    /// After retention forgot one of a citizen's consents (SPEC §4): its entries' openings are gone
    /// for everyone, the consent is not found, and the citizen (who has another consent, so still a
    /// key) opens the `consent.forgotten` entry made with their key; nobody else does.
    @Test func aCitizenOpensTheForgottenEntryOfTheirConsentAndNothingOfItsShreddedOnes() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        let stranger = try await harness.citizenToken(try PersonID("14830351257"))
        try await harness.test { client in
            let (id, _, _) = try await used(harness, client, token: token)
            #expect(try await client.send(.post, "/v1/me/consents/\(id)/revoke", bearer: token).status == .ok)
            #expect(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()).status == .created)
            // The stranger has a consent too, so a subject key their tags are made with.
            let strangers = String(decoding: RouterHarness.request(), as: UTF8.self).replacingOccurrences(of: RouterHarness.person.digits, with: "14830351257")
            #expect(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: Array(strangers.utf8)).status == .created)
            let now = Date()
            let swept = try await LogSequencer(store: harness.store, signer: harness.keys.logSigner)
                .commit(Change(.forgetEnded(endedBefore: now.addingTimeInterval(1), limit: 10)), at: now.addingTimeInterval(1))
            let forgotten = try #require(swept.outcome.entries.first).index
            #expect(swept.outcome.forgotten == 1 && forgotten == 6)

            let mine = try await client.send(.get, "/v1/me/openings?indexes=0,1,2,3,\(forgotten)", bearer: token)
            #expect(mine.status == .ok, "\(String(buffer: mine.body))")
            let openings = try #require(mine.json["openings"] as? [[String: Any]])
            #expect(openings.compactMap { ($0["index"] as? NSNumber)?.intValue } == [Int(forgotten)])
            guard case .object(let answer) = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: mine.body)),
                case .array(let list)? = answer["openings"], let first = list.first
            else { Issue.record("no openings"); return }
            let opening = try EntryOpening(json: first, type: .consentForgotten)
            let key = try #require(try await harness.store.subjectKey(of: RouterHarness.person))
            let row = try #require(try await harness.store.logEntries(LogQuery(start: forgotten, limit: 1)).first)
            guard case .v2(let entry) = try LogLeaf(leafBytes: row.leaf) else { Issue.record("not v2"); return }
            try entry.check(opening, subjectKey: key)
            #expect(opening.privatePart.parties == nil && opening.privatePart.actor == .system)

            #expect(try await client.send(.get, "/v1/me/openings?indexes=0,1,2,3", bearer: token).status == .notFound)
            #expect(try await client.send(.get, "/v1/me/openings?indexes=\(forgotten)", bearer: stranger).status == .notFound)
            #expect(try await client.send(.get, "/v1/me/consents/\(id)", bearer: token).status == .notFound)
            #expect(try await client.send(.get, "/v1/consents/\(id)", bearer: harness.bankKey).status == .gone)
        }
    }

    @Test func aCitizenGetsTheirOwnOpeningsAndSubjectKeyAndNothingOfOthers() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        let stranger = try await harness.citizenToken(try PersonID("14830351257"))
        try await harness.test { client in
            #expect(try await client.send(.get, "/v1/me/subject-key", bearer: token).status == .notFound)
            _ = try await used(harness, client, token: token)
            let key = try await client.send(.get, "/v1/me/subject-key", bearer: token)
            let subjectKey = try SubjectKey(base64URL: try #require(key.json["subjectKey"] as? String), field: "subjectKey")
            #expect(try await harness.store.subjectKey(of: RouterHarness.person) == subjectKey)

            let mine = try await client.send(.get, "/v1/me/openings?indexes=2,0,99", bearer: token)
            #expect(mine.status == .ok, "\(String(buffer: mine.body))")
            let openings = try #require(mine.json["openings"] as? [[String: Any]])
            #expect(openings.compactMap { $0["index"] as? Int } == [0, 2])
            // Each opens its entry with the citizen's key.
            let rows = try await harness.store.logEntries(LogQuery(limit: 3))
            for opening in openings {
                let index = try #require(opening["index"] as? Int)
                guard case .v2(let entry) = try LogLeaf(leafBytes: rows[index].leaf) else { Issue.record("entry \(index) is not v2"); continue }
                let json = try JSONDecoder().decode(JSONValue.self, from: try JSONSerialization.data(withJSONObject: opening))
                try entry.check(try EntryOpening(json: json, type: entry.type), subjectKey: subjectKey)
            }
            // Someone else's entries, and entries that do not exist, are the same 404.
            let theirs = try await client.send(.get, "/v1/me/openings?indexes=0,1", bearer: stranger)
            let nothing = try await client.send(.get, "/v1/me/openings?indexes=99", bearer: stranger)
            #expect(theirs.status == .notFound && nothing.status == .notFound)
            #expect(theirs.json["detail"] as? String == nothing.json["detail"] as? String)
            #expect(try await client.send(.get, "/v1/me/subject-key", bearer: stranger).status == .notFound)
            // Bad input names the field; the list is bounded.
            for bad in ["", "1,,2", "a", "-1", "99999999999999999999", (0...1000).map(String.init).joined(separator: ",")] {
                let refused = try await client.send(.get, "/v1/me/openings?indexes=\(bad)", bearer: token)
                #expect(refused.status == .badRequest, "\(bad.prefix(20)): \(String(buffer: refused.body))")
            }
            #expect(try await client.send(.get, "/v1/me/openings", bearer: token).status == .badRequest)
        }
    }

    @Test func auditorsPageThroughEveryOpeningWithItsSubjectKey() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        let auditor = try await harness.store.addAuditor(name: "Finanstilsynet", now: Date()).text
        try await harness.test { client in
            _ = try await used(harness, client, token: token)
            let key = try #require(try await harness.store.subjectKey(of: RouterHarness.person)).description
            let first = try await client.send(.get, "/v1/audit/openings?limit=2", bearer: auditor)
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            let page = try #require(first.json["openings"] as? [[String: Any]])
            #expect(page.compactMap { $0["index"] as? Int } == [0, 1] && page.allSatisfy { $0["subjectKey"] as? String == key })
            let next = try #require(first.json["next"] as? Int)
            let rest = try await client.send(.get, "/v1/audit/openings?start=\(next)&limit=2", bearer: auditor)
            #expect((rest.json["openings"] as? [[String: Any]])?.compactMap { $0["index"] as? Int } == [2] && rest.json["next"] is NSNull)
            let end = try await client.send(.get, "/v1/audit/openings?start=3", bearer: auditor)
            #expect((end.json["openings"] as? [Any])?.isEmpty == true && end.json["next"] is NSNull)
            #expect(try await client.send(.get, "/v1/audit/openings?limit=0", bearer: auditor).status == .badRequest)
            #expect(try await client.send(.get, "/v1/audit/openings", bearer: token).status == .unauthorized)
            // The audit listing carries the openings, and its filters find v2 entries through them.
            let listed = try await client.send(.get, "/v1/audit/entries?personId=\(RouterHarness.person.digits)", bearer: auditor)
            let entries = try #require(listed.json["entries"] as? [[String: Any]])
            #expect(entries.count == 3 && entries.allSatisfy { $0["opening"] is [String: Any] })
            let otherBank = try await client.send(.get, "/v1/audit/entries?bankOrg=\(RouterHarness.otherBank.digits)", bearer: auditor)
            #expect((otherBank.json["entries"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func entryBundlesArePublicUnlessTheyHoldAV1Entry() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        let auditor = try await harness.store.addAuditor(name: "Finanstilsynet", now: Date()).text
        try await harness.test { client in
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request())
            let id = try #require(created.json["id"] as? String)
            let open = try await client.send(.get, "/v1/audit/tlog/tile/entries/000.p/1")
            #expect(open.status == .ok && open.headers[.cacheControl] == "public, max-age=10", "\(String(buffer: open.body))")
            // As if requested before v2: the consent has no tag, so its next entry is a v1 entry.
            let sqlite = try #require(harness.store as? SQLiteStore)
            try await sqlite.writer.write { try $0.execute(sql: "DELETE FROM consentTag") }
            #expect(try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token).status == .ok)
            #expect(try await client.send(.get, "/v1/audit/tlog/tile/entries/000.p/1").status == .ok)
            let closed = try await client.send(.get, "/v1/audit/tlog/tile/entries/000.p/2")
            #expect(closed.status == .unauthorized && closed.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await client.send(.get, "/v1/audit/tlog/tile/entries/000.p/2", bearer: token).status == .unauthorized)
            let audited = try await client.send(.get, "/v1/audit/tlog/tile/entries/000.p/2", bearer: auditor)
            #expect(audited.status == .ok && audited.headers[.cacheControl] == "private, max-age=10")
        }
    }
}
