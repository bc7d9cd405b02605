import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// A bank's own webhook operations (SPEC §2): the secret rotation the store keeps, and test events
/// queued, claimed and settled as deliveries are, in the endpoint's delivery log.
extension StoreContractTests {
    @Test(arguments: Backend.available)
    func aRotationKeepsThePreviousSecretUntilItsOverlapEndsForItsOwnBankOnly(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))
            let until = now.addingTimeInterval(86_400)
            #expect(!(try await t.store.rotateSecret(webhook: "wh_a", of: otherBank, to: [9], previousUntil: until)))
            #expect(try await t.store.webhooks(of: bank).first?.previousSecret == nil)

            #expect(try await t.store.rotateSecret(webhook: "wh_a", of: bank, to: [4, 5, 6], previousUntil: until))
            let rotated = try #require(try await t.store.webhooks(of: bank).first)
            #expect(rotated.sealedSecret == [4, 5, 6] && rotated.previousSecret == Webhook.PreviousSecret(sealed: [1, 2, 3], until: until))
            #expect(rotated.sealedSigningSecrets(at: until.addingTimeInterval(-1)) == [[4, 5, 6], [1, 2, 3]])
            #expect(rotated.sealedSigningSecrets(at: until) == [[4, 5, 6]])
            // The sender reads the endpoint with its claim: the same two secrets.
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await log.commit(Change(.create(try request())), at: now)
            let job = try #require(try await t.store.claimDeliveries(now: now, leaseUntil: until, limit: 1, perEndpoint: 10, lease: "one").first)
            #expect(job.webhook == rotated)

            // Rotating again retires the first rotation's secret; the original is gone.
            let later = until.addingTimeInterval(60)
            #expect(try await t.store.rotateSecret(webhook: "wh_a", of: bank, to: [7], previousUntil: later))
            #expect(try await t.store.webhooks(of: bank).first?.previousSecret == Webhook.PreviousSecret(sealed: [4, 5, 6], until: later))
            #expect(try await t.store.removeWebhook(id: "wh_a", of: bank))
            #expect(!(try await t.store.rotateSecret(webhook: "wh_a", of: bank, to: [8], previousUntil: later)))
        }
    }

    @Test(arguments: Backend.available)
    func aTestEventIsQueuedForOneEndpointAndShowsInItsLogAfterTheEventsBeforeIt(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))
            try await t.store.addWebhook(webhook("wh_b"))
            #expect(try await t.store.addTestEvent(webhook: "wh_a", of: otherBank, now: now) == nil)
            #expect(try await t.store.addTestEvent(webhook: "wh_none", of: bank, now: now) == nil)

            _ = try await log.commit(Change(.create(try request())), at: now)
            let first = try #require(try await t.store.addTestEvent(webhook: "wh_a", of: bank, now: now))
            _ = try await log.commit(Change(.create(try request())), at: now)
            let second = try #require(try await t.store.addTestEvent(webhook: "wh_a", of: bank, now: now))
            #expect(first.webhookId == "wh_a" && first.id != second.id)

            let shown = try #require(try await t.store.deliveries(webhook: "wh_a", of: bank, before: nil, limit: 10))
            let events = try #require(try await t.store.deliveries(webhook: "wh_b", of: bank, before: nil, limit: 10)).map(\.event)
            #expect(events.count == 2, "the other endpoint got a test")
            #expect(shown.map(\.event) == [.test(second.id), events[0], .test(first.id), events[1]])
            #expect(shown.map(\.eventType) == [TestEvent.type, "consent.requested", TestEvent.type, "consent.requested"])
            #expect(shown[0].state == .pending && shown[0].attempts == 0 && shown[0].lastAttempt == nil && shown[0].nextAttemptAt == now)
            // Paged from a test and from an event alike.
            #expect(try await t.store.deliveries(webhook: "wh_a", of: bank, before: .test(second.id), limit: 2)?.map(\.event) == [events[0], .test(first.id)])
            #expect(try await t.store.deliveries(webhook: "wh_a", of: bank, before: events[0], limit: 10)?.map(\.event) == [.test(first.id), events[1]])
            #expect(try await t.store.deliveries(webhook: "wh_b", of: bank, before: .test(first.id), limit: 10) == [])

            // Claimed once, under the endpoint's share of leases, and settled as a delivery is.
            #expect(try await t.store.claimTestDeliveries(now: now, leaseUntil: now.addingTimeInterval(60), limit: 10, perEndpoint: 0, lease: "none").isEmpty)
            let later = now.addingTimeInterval(60)
            let claimed = try await t.store.claimTestDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 10, lease: "one")
            #expect(claimed.map(\.event) == [first, second] && claimed.allSatisfy { $0.webhook.id == "wh_a" && $0.attempt == 1 })
            #expect(try await t.store.claimTestDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 10, lease: "two").isEmpty)
            let failed = DeliveryAttempt(webhookId: "wh_a", message: .test(first.id), attempt: 1, at: now, milliseconds: 31, result: .status(500))
            try await t.store.finishTestDelivery(claimed[0], attempt: failed, verdict: .retry(at: later), failingAfter: 1)
            #expect(try await t.store.webhooks(of: bank).first?.status == .failing)
            let delivered = DeliveryAttempt(webhookId: "wh_a", message: .test(second.id), attempt: 1, at: now, milliseconds: 12, result: .status(204))
            try await t.store.finishTestDelivery(claimed[1], attempt: delivered, verdict: .delivered, failingAfter: 1)
            #expect(try await t.store.webhooks(of: bank).first?.status == .active)
            let settled = try #require(try await t.store.deliveries(webhook: "wh_a", of: bank, before: nil, limit: 10))
            #expect(settled[0].state == .delivered && settled[0].lastAttempt == delivered && settled[0].nextAttemptAt == nil)
            #expect(settled[2].state == .pending && settled[2].attempts == 1 && settled[2].lastAttempt == failed && settled[2].nextAttemptAt == later)
            let retried = try await t.store.claimTestDeliveries(now: later, leaseUntil: later.addingTimeInterval(60), limit: 10, perEndpoint: 10, lease: "three")
            #expect(retried.map(\.event) == [first] && retried.first?.attempt == 2)
            // Not a change of any consent: nothing of it in the events feed.
            #expect(try await t.store.events(EventQuery(bank: bank, after: nil, limit: 10)).count == 2)

            #expect(try await t.store.removeWebhook(id: "wh_a", of: bank))
            #expect(try await t.store.claimTestDeliveries(now: later.addingTimeInterval(600), leaseUntil: later.addingTimeInterval(900), limit: 10, perEndpoint: 10, lease: "four").isEmpty)
        }
    }
}
