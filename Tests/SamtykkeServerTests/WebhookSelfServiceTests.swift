import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport
@testable import SamtykkeServer
@testable import WebhookEngine

/// A bank operating its own endpoints (SPEC §2, issue 31.4): the delivery log and redelivery, each
/// only on its own endpoints and its own events.
@Suite(.serialized, .sameOnEveryBackend) struct WebhookSelfServiceTests {
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

    @Test func aBankSendsATestEventToOneOfItsEndpointsOnly() async throws {
        try await AuthorizationParties.run { parties in
            let bankA = parties.caller(parties.bankA)
            let webhook = try await parties.webhook()
            let other = try await parties.webhook()
            _ = try await parties.pendingConsent()
            // A filter that excludes every type does not hold a test back: the bank asked for this one.
            #expect(try await bankA.send("PATCH", "/v1/webhooks/\(webhook)", body: ["eventTypes": ["bundle.issued"]]).status == 200)
            let sent = try await bankA.send("POST", "/v1/webhooks/\(webhook)/test")
            #expect(sent.status == 202, "\(sent.text)")
            let test = try #require(sent.json["eventId"] as? String)
            #expect(test.hasPrefix("evt_test_"))

            let log = try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries")
            let first = try #require((log.json["deliveries"] as? [[String: Any]])?.first, "\(log.text)")
            #expect(first["id"] as? String == test && first["eventType"] as? String == "webhook.test" && first["status"] as? String == "pending")
            let others = try await bankA.send("GET", "/v1/webhooks/\(other)/deliveries")
            #expect((others.json["deliveries"] as? [[String: Any]])?.compactMap { $0["eventType"] as? String } == ["consent.requested"], "\(others.text)")
            #expect(try await events(parties).count == 1, "a test is not a change of a consent")

            // What the sender posts: the test, signed, to that endpoint; then the log shows it delivered.
            let now = parties.clock.now()
            let jobs = try await parties.store.claimTestDeliveries(now: now, leaseUntil: now.addingTimeInterval(30), limit: 10, perEndpoint: 10, lease: "test")
            let job = try #require(jobs.first)
            #expect(jobs.count == 1 && job.webhook.id == webhook)
            let signed = try WebhookSender.signed(job, at: now, signer: parties.keys.bundleSigner)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(signed.body)) as? [String: Any])
            #expect(body["id"] as? String == test && body["type"] as? String == "webhook.test")
            #expect((body["data"] as? [String: Any])?["webhookId"] as? String == webhook)
            #expect(signed.headers.first { $0.name == "webhook-id" }?.value == test)
            let attempt = DeliveryAttempt(webhookId: webhook, message: job.event.messageID, attempt: 1, at: now, milliseconds: 9, result: .status(204))
            try await parties.store.finishTestDelivery(job, attempt: attempt, verdict: .delivered, failingAfter: 3)
            let settled = try #require((try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries").json["deliveries"] as? [[String: Any]])?.first)
            #expect(settled["status"] as? String == "delivered" && settled["lastStatus"] as? Int == 204 && settled["lastDurationMs"] as? Int == 9)
            let page = try await bankA.send("GET", "/v1/webhooks/\(webhook)/deliveries?limit=1&after=\(test)")
            #expect(page.status == 200 && (page.json["deliveries"] as? [[String: Any]])?.first?["eventType"] as? String == "consent.requested", "\(page.text)")

            // A test is not delivered again; another is sent instead.
            let again = try await bankA.send("POST", "/v1/webhooks/\(webhook)/deliveries/\(test)/attempts")
            #expect(again.status == 400 && again.json["field"] as? String == "deliveryId", "\(again.text)")
            // Another bank's endpoint is as unknown as one never registered, and a removed one too.
            let foreign = try await parties.caller(parties.bankB).send("POST", "/v1/webhooks/\(webhook)/test")
            #expect(foreign.status == 404 && !foreign.text.contains(test), "\(foreign.text)")
            #expect(try await bankA.send("DELETE", "/v1/webhooks/\(webhook)").status == 204)
            #expect(try await bankA.send("POST", "/v1/webhooks/\(webhook)/test").status == 404)
        }
    }

    /// The secret is rotated over the API; during the overlap the sender signs with both, after it
    /// with the new one alone (the same signatures the `standardwebhooks` library checks in
    /// WebhookDeliveryTests).
    @Test func aRotatedSecretSignsBesideTheNewOneForADay() async throws {
        try await AuthorizationParties.run { parties in
            let bankA = parties.caller(parties.bankA)
            let created = try await bankA.send("POST", "/v1/webhooks", body: ["url": AuthorizationParties.webhookURL])
            let webhook = try #require(created.json["id"] as? String)
            let old = try #require(created.json["secret"] as? String)
            let rotated = try await bankA.send("POST", "/v1/webhooks/\(webhook)/secret")
            #expect(rotated.status == 200, "\(rotated.text)")
            let new = try #require(rotated.json["secret"] as? String)
            #expect(new.hasPrefix("whsec_") && new != old && Data(base64Encoded: String(new.dropFirst(6)))?.count == 32)
            let rotatedAt = parties.clock.now()
            let expiresText = try #require(rotated.json["previousSecretExpiresAt"] as? String)
            let expires = try #require(RFC3339.date(from: expiresText))
            #expect(abs(expires.timeIntervalSince(rotatedAt) - 86_400) < 5)
            #expect(!(try await bankA.send("GET", "/v1/webhooks").text.contains(new)), "the secret is shown once")

            _ = try await parties.pendingConsent()
            func signatures(at: Date) async throws -> (expected: (old: String, new: String), header: String) {
                let job = try #require(try await parties.store.claimDeliveries(now: at, leaseUntil: at.addingTimeInterval(1), limit: 1, perEndpoint: 10, lease: UUID().uuidString).first)
                let signed = try WebhookSender.signed(job, at: at, signer: parties.keys.bundleSigner)
                let id = job.event.id.description
                let timestamp = Int(at.timeIntervalSince1970)
                func sign(_ secret: String) -> String {
                    WebhookSignature.sign(id: id, timestamp: timestamp, body: signed.body, secret: Array(Data(base64Encoded: String(secret.dropFirst(6)))!))
                }
                return ((sign(old), sign(new)), try #require(signed.headers.first { $0.name == "webhook-signature" }?.value))
            }
            let during = try await signatures(at: expires.addingTimeInterval(-1))
            #expect(during.header == "\(during.expected.new) \(during.expected.old)")
            let after = try await signatures(at: expires.addingTimeInterval(2))
            #expect(after.header == after.expected.new)

            // Durable: read back from the store, not held by the instance that rotated.
            #expect(try await parties.store.webhooks(of: RouterHarness.bank).first?.previousSecret.map { RFC3339.string(from: $0.until) } == expiresText)
            let foreign = try await parties.caller(parties.bankB).send("POST", "/v1/webhooks/\(webhook)/secret")
            #expect(foreign.status == 404 && foreign.json["secret"] == nil, "\(foreign.text)")
            #expect(try await bankA.send("DELETE", "/v1/webhooks/\(webhook)").status == 204)
            let removed = try await bankA.send("POST", "/v1/webhooks/\(webhook)/secret")
            #expect(removed.status == 404 && removed.header("Content-Type") == "application/problem+json", "\(removed.text)")
        }
    }
}
