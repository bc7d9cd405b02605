import Foundation
import SamtykkeCore
import SamtykkeServer
import SamtykkeStore
import TestSupport
import Testing

/// The bank's own acts on its consents: withdrawal, and paging through what it asked for.
@Suite(.serialized, .sameOnEveryBackend) struct BankConsentsTests {
    @Test func aBankWithdrawsItsOwnPendingOrActiveConsentOnce() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            let pending = try await parties.createConsent()
            let active = try await parties.createConsent()
            let citizen = parties.caller(parties.citizenX)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(active)/grant").status == 200)

            for id in [pending, active] {
                let withdrawn = try await bank.send("DELETE", "/v1/consents/\(id)")
                #expect(withdrawn.status == 200, "\(withdrawn.text)")
                #expect(withdrawn.json["status"] as? String == "withdrawn")
                #expect(try await bank.send("GET", "/v1/consents/\(id)").json["status"] as? String == "withdrawn")
                // Terminal now: a second withdrawal, a grant or a bundle is refused.
                #expect(try await bank.send("DELETE", "/v1/consents/\(id)").status == 409)
                #expect(try await bank.send("POST", "/v1/consents/\(id)/bundles").status == 409)
            }
            #expect(try await citizen.send("POST", "/v1/me/consents/\(pending)/grant").status == 409)

            // The log names the bank as the one who withdrew.
            let entries = try await parties.store.auditedEntries(.init(limit: 100, consentId: try ConsentID(active)))
            let withdrawal = try #require(entries.first { $0.type == .consentWithdrawn })
            #expect(withdrawal.actor == .bank(try OrgNumber("986352325")))
            #expect(entries.filter { $0.type == .consentWithdrawn }.count == 1)

            // The citizen reads it as the bank's act, in plain words.
            let accessLog = try await citizen.send("GET", "/v1/me/access-log")
            let summaries = try #require(accessLog.json["entries"] as? [[String: Any]]).compactMap { $0["summary"] as? String }
            #expect(summaries.contains("Test Sparebank (986352325) withdrew its request: it no longer needs your data."), "\(summaries)")
            #expect(summaries.contains("Test Sparebank (986352325) withdrew its consent: it no longer needs your data."), "\(summaries)")
        }
    }

    @Test func anotherBankCannotWithdrawOrListIt() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            let id = try await parties.createConsent()
            let other = parties.caller(parties.bankB)
            let refused = try await other.send("DELETE", "/v1/consents/\(id)")
            #expect(refused.status == 404 && refused.header("Content-Type") == "application/problem+json")
            #expect(try await other.send("DELETE", "/v1/consents/not-a-consent").status == 404)
            #expect((try await other.send("GET", "/v1/consents").json["consents"] as? [Any])?.isEmpty == true)
            #expect(try await bank.send("GET", "/v1/consents/\(id)").json["status"] as? String == "pending")
            #expect(try await bank.send("DELETE", "/v1/consents").status == 405)
        }
    }

    @Test func theBankPagesThroughItsConsentsByStatusAndOrder() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            var ids: [String] = []
            for _ in 0..<5 {
                ids.append(try await parties.createConsent())
                parties.clock.advance(by: 1)
            }
            #expect(try await bank.send("DELETE", "/v1/consents/\(ids[1])").status == 200)

            func page(_ query: String) async throws -> (ids: [String], next: Any?) {
                let answer = try await bank.send("GET", "/v1/consents\(query)")
                #expect(answer.status == 200, "\(answer.text)")
                let consents = try #require(answer.json["consents"] as? [[String: Any]])
                #expect(answer.json.keys.contains("next"))
                return (consents.compactMap { $0["id"] as? String }, answer.json["next"])
            }
            // Newest first by default, two at a time, until `next` is null.
            var seen: [String] = []
            var query = "?limit=2"
            while true {
                let (page, next) = try await page(query)
                seen += page
                guard let next = next as? String else { break }
                query = "?limit=2&after=\(next)"
            }
            #expect(seen == ids.reversed())
            #expect(try await page("?order=oldest").ids == ids)
            #expect(try await page("?status=withdrawn").ids == [ids[1]])
            #expect(try await page("?status=pending&order=oldest&limit=1").ids == [ids[0]])
            #expect(try await page("?limit=5").next is NSNull)

            for bad in ["?limit=0", "?limit=1001", "?status=asleep", "?order=sideways", "?after=nope", "?colour=red"] {
                let refused = try await bank.send("GET", "/v1/consents\(bad)")
                #expect(refused.status == 400, "\(bad): \(refused.text)")
            }
        }
    }
}
