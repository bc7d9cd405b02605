import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
@testable import SamtykkeServer

/// A bank operating its own endpoints (SPEC §2, issue 31.4): the delivery log and redelivery, each
/// only on its own endpoints and its own events.
@Suite(.serialized) struct WebhookSelfServiceTests {
    /// Settles every claimable delivery of bank A's endpoint with `result`; the harness's sender
    /// claims nothing (it would call a public address), so the test plays the sender.
    /// Returns when the attempts were made.
    @discardableResult
    func settle(_ parties: AuthorizationParties, _ result: DeliveryAttempt.Result, verdict: DeliveryVerdict) async throws -> Date {
        let now = parties.clock.now()
        for job in try await parties.store.claimDeliveries(now: now, leaseUntil: now.addingTimeInterval(30), limit: 10, perEndpoint: 10, lease: "test") {
            let attempt = DeliveryAttempt(webhookId: job.webhook.id, event: job.event.id, attempt: job.attempt, at: now, milliseconds: 87, result: result)
            try await parties.store.finishDelivery(job, attempt: attempt, verdict: verdict, failingAfter: 3)
        }
        return now
    }

    func events(_ parties: AuthorizationParties) async throws -> [String] {
        let answer = try await parties.caller(parties.bankA).send("GET", "/v1/events")
        return try #require(answer.json["events"] as? [[String: Any]]).compactMap { $0["id"] as? String }
    }

    @Test func aBankReadsItsEndpointsDeliveriesNewestFirstAPageAtATime() async throws {
        try await AuthorizationParties.run { parties in
            let bankA = parties.caller(parties.bankA)
            let webhook = try await parties.webhook()
            _ = try await parties.pendingConsent()
            _ = try await parties.pendingConsent()
            let events = try await events(parties)
            let retryAt = parties.clock.now().addingTimeInterval(30)
            let attemptedAt = try await settle(parties, .failed("connection refused"), verdict: .retry(at: retryAt))

            let answer = try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries")
            #expect(answer.status == 200, "\(answer.text)")
            let deliveries = try #require(answer.json["deliveries"] as? [[String: Any]])
            #expect(deliveries.compactMap { $0["id"] as? String } == events.reversed())
            #expect(deliveries.compactMap { $0["eventId"] as? String } == events.reversed())
            let first = try #require(deliveries.first)
            #expect(first["eventType"] as? String == "consent.requested" && first["status"] as? String == "pending")
            #expect(first["attempts"] as? Int == 1 && first["lastError"] as? String == "connection refused" && first["lastDurationMs"] as? Int == 87)
            #expect(first["lastStatus"] is NSNull && first["lastAttemptAt"] as? String == RFC3339.string(from: attemptedAt))
            #expect(first["nextAttemptAt"] as? String == RFC3339.string(from: retryAt))
            #expect(answer.json["next"] is NSNull)

            let page = try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries?limit=1")
            #expect((page.json["deliveries"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [events[1]])
            #expect(page.json["next"] as? String == events[1])
            let rest = try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries?limit=1&after=\(events[1])")
            #expect((rest.json["deliveries"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [events[0]])

            for (query, field) in [("limit=0", "limit"), ("limit=x", "limit"), ("after=7", "after"), ("after=evt_x", "after")] {
                let refused = try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries?\(query)")
                #expect(refused.status == 400 && refused.json["field"] as? String == field, "\(query): \(refused.text)")
            }
            let other = try await parties.caller(parties.bankB).send("GET", "/v1/webhooks/\(webhook)/deliveries")
            #expect(other.status == 404 && !other.text.contains(events[0]), "\(other.text)")
        }
    }

    @Test func aBankRedeliversOnlyItsOwnEventsToItsOwnEndpoints() async throws {
        try await AuthorizationParties.run { parties in
            let bankA = parties.caller(parties.bankA)
            let bankB = parties.caller(parties.bankB)
            let webhook = try await parties.webhook()
            let consent = try await parties.pendingConsent()
            let event = try #require(try await events(parties).last)
            try await settle(parties, .status(204), verdict: .delivered)
            let log = "/v1/webhooks/\(webhook)/deliveries"
            #expect((try await bankA.send("GET", log).json["deliveries"] as? [[String: Any]])?.first?["status"] as? String == "delivered")

            let queued = try await bankA.send("POST", "\(log)/\(event)/attempts")
            #expect(queued.status == 202, "\(queued.text)")
            let again = try #require((try await bankA.send("GET", log).json["deliveries"] as? [[String: Any]])?.first)
            #expect(again["status"] as? String == "pending" && again["attempts"] as? Int == 0, "\(again)")

            // Bank B: A's endpoint is unknown to it, and A's event on B's own endpoint names the field.
            let foreignEndpoint = try await bankB.send("POST", "\(log)/\(event)/attempts")
            #expect(foreignEndpoint.status == 404 && !foreignEndpoint.text.contains(consent), "\(foreignEndpoint.text)")
            let created = try await bankB.send("POST", "/v1/webhooks", body: ["url": AuthorizationParties.webhookURL])
            let own = try #require(created.json["id"] as? String)
            let foreignEvent = try await bankB.send("POST", "/v1/webhooks/\(own)/deliveries/\(event)/attempts")
            #expect(foreignEvent.status == 404 && foreignEvent.json["field"] as? String == "deliveryId", "\(foreignEvent.text)")
            #expect(!foreignEvent.text.contains(consent) && !foreignEvent.text.contains(webhook))
            #expect((try await bankB.send("GET", "/v1/webhooks/\(own)/deliveries").json["deliveries"] as? [Any])?.isEmpty == true)

            let malformed = try await bankA.send("POST", "\(log)/not-an-event/attempts")
            #expect(malformed.status == 400 && malformed.json["field"] as? String == "deliveryId", "\(malformed.text)")
            #expect(try await bankA.send("DELETE", "/v1/webhooks/\(webhook)").status == 204)
            #expect(try await bankA.send("POST", "\(log)/\(event)/attempts").status == 404)
            #expect(try await bankA.send("GET", log).status == 404)
        }
    }

    @Test func aBankFiltersItsEndpointsEventTypes() async throws {
        try await AuthorizationParties.run { parties in
            let bankA = parties.caller(parties.bankA)
            let webhook = try await parties.webhook()
            let filtered = try await bankA.send("PATCH", "/v1/webhooks/\(webhook)", body: ["eventTypes": ["consent.granted", "bundle.issued"]])
            #expect(filtered.status == 200, "\(filtered.text)")
            #expect(filtered.json["id"] as? String == webhook && filtered.json["eventTypes"] as? [String] == ["bundle.issued", "consent.granted"])
            let listed = try await bankA.send("GET", "/v1/webhooks")
            #expect((listed.json["webhooks"] as? [[String: Any]])?.first?["eventTypes"] as? [String] == ["bundle.issued", "consent.granted"])

            // A request is not queued for it; the grant is.
            _ = try await parties.activeConsent()
            let log = try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries")
            #expect((log.json["deliveries"] as? [[String: Any]])?.compactMap { $0["eventType"] as? String } == ["consent.granted"], "\(log.text)")

            for body: [String: Any] in [[:], ["eventTypes": []], ["eventTypes": NSNull()]] {
                let cleared = try await bankA.send("PATCH", "/v1/webhooks/\(webhook)", body: body)
                #expect(cleared.status == 200 && (cleared.json["eventTypes"] as? [String])?.isEmpty == true, "\(body): \(cleared.text)")
            }
            for (body, field) in [
                (["eventTypes": ["consent.granted", "consent.amended"]], "eventTypes[1]"), (["eventTypes": ["bundle.refused"]], "eventTypes[0]"),
                (["eventTypes": [7]], "eventTypes[0]"), (["eventTypes": "consent.granted"], "eventTypes"), (["types": []], "types"),
            ] as [([String: Any], String)] {
                let refused = try await bankA.send("PATCH", "/v1/webhooks/\(webhook)", body: body)
                #expect(refused.status == 400 && refused.json["field"] as? String == field, "\(body): \(refused.text)")
            }
            let other = try await parties.caller(parties.bankB).send("PATCH", "/v1/webhooks/\(webhook)", body: ["eventTypes": ["consent.granted"]])
            #expect(other.status == 404 && !other.text.contains(AuthorizationParties.webhookURL), "\(other.text)")
            #expect(try await bankA.send("DELETE", "/v1/webhooks/\(webhook)").status == 204)
            #expect(try await bankA.send("PATCH", "/v1/webhooks/\(webhook)", body: ["eventTypes": []]).status == 404)
        }
    }
}
