import Foundation
import SamtykkeCore
import SamtykkeServer
import SamtykkeStore
import TestSupport
import Testing

/// `GET /v1/events`: every change of the bank's consents, oldest first, and nothing of anyone else's.
@Suite(.serialized, .sameOnEveryBackend) struct EventFeedTests {
    @Test func theFeedCarriesEveryChangeOfTheBanksOwnConsentsInLogOrder() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            let person = parties.personX
            let other = parties.caller(parties.bankB)
            let citizen = parties.caller(parties.citizenX)

            let used = try await parties.createConsent(maxUses: 1)
            let theirs = try #require(try await other.send("POST", "/v1/consents", body: consentRequest(for: person, now: parties.clock.now())).json["id"] as? String)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(used)/grant").status == 200)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(theirs)/deny").status == 200)
            #expect(try await bank.send("POST", "/v1/consents/\(used)/bundles").status == 201)
            let withdrawn = try await parties.createConsent()
            #expect(try await bank.send("DELETE", "/v1/consents/\(withdrawn)").status == 200)
            // Refused bundle requests are on the log but are no event.
            #expect(try await bank.send("POST", "/v1/consents/\(withdrawn)/bundles").status == 409)

            func feed(_ caller: Caller, _ query: String = "") async throws -> [[String: Any]] {
                let answer = try await caller.send("GET", "/v1/events\(query)")
                #expect(answer.status == 200, "\(answer.text)")
                return try #require(answer.json["events"] as? [[String: Any]])
            }
            let events = try await feed(bank)
            let summary = events.map { event -> String in
                let data = event["data"] as? [String: Any] ?? [:]
                return "\(event["type"] ?? "") \(data["consentId"] as? String == used ? "used" : "withdrawn") \(data["status"] ?? "")"
            }
            #expect(summary == [
                "consent.requested used pending", "consent.granted used active", "bundle.issued used active",
                "consent.exhausted used exhausted", "consent.requested withdrawn pending", "consent.withdrawn withdrawn withdrawn",
            ])
            // Ids are `evt_` + the log index, and the log index is that of the entry behind the event.
            let auditor = try await parties.store.auditedEntries(.init(limit: 100))
            for event in events {
                let data = try #require(event["data"] as? [String: Any])
                let index = try #require(data["logIndex"] as? Int)
                #expect(event["id"] as? String == "evt_\(index)")
                let entry = auditor[index]
                #expect(entry.type.rawValue == event["type"] as? String && entry.consentId.description == data["consentId"] as? String)
                #expect(event["timestamp"] as? String == RFC3339.string(from: entry.time))
            }

            // Paging: after the second event, one at a time, until the feed is empty.
            var paged: [String] = []
            var after = ""
            while let next = try await feed(bank, "?limit=1\(after)").first {
                paged.append(try #require(next["id"] as? String))
                after = "&after=\(paged.last!)"
            }
            #expect(paged == events.compactMap { $0["id"] as? String })
            #expect(try await feed(bank, "?after=\(paged[1])").compactMap { $0["id"] as? String } == Array(paged.dropFirst(2)))

            // The other bank sees only its own consent's events.
            let theirEvents = try await feed(other)
            #expect(theirEvents.compactMap { $0["type"] as? String } == ["consent.requested", "consent.denied"])
            #expect(theirEvents.allSatisfy { ($0["data"] as? [String: Any])?["consentId"] as? String == theirs })

            for bad in ["?after=1", "?after=evt_x", "?after=evt_01", "?limit=0", "?limit=1001", "?since=evt_1"] {
                let refused = try await bank.send("GET", "/v1/events\(bad)")
                #expect(refused.status == 400, "\(bad): \(refused.text)")
            }
        }
    }
}
