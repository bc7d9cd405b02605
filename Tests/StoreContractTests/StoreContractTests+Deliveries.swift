import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// The webhook queue: fanned out by the commit, claimed under leases in order per consent, settled
/// with the endpoint's status following, replayed on an operator's word.
extension StoreContractTests {
    func webhook(_ id: String, of org: OrgNumber? = nil) -> Webhook {
        Webhook(id: id, bankOrg: org ?? bank, url: "https://203.0.113.7/\(id)", sealedSecret: [1, 2, 3], createdAt: now)
    }

    func attempt(_ job: DeliveryJob, _ result: DeliveryAttempt.Result, at: Date? = nil) -> DeliveryAttempt {
        DeliveryAttempt(webhookId: job.webhook.id, event: job.event.id, attempt: job.attempt, at: at ?? now, milliseconds: 12, result: result)
    }

    @Test(arguments: Backend.available)
    func eachEventIsQueuedForEveryLiveEndpointOfItsBankAndClaimedInOrderPerConsent(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))
            try await t.store.addWebhook(webhook("wh_other", of: otherBank))
            let first = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            let second = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(first.id, by: .citizen(person), .grant(by: person))), at: now)
            _ = try await log.commit(Change(.create(try request(from: otherBank))), at: now)

            let later = now.addingTimeInterval(60)
            let claimed = try await t.store.claimDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 10, lease: "one")
            // The grant waits behind the first consent's request; the other bank's endpoint gets only its own.
            #expect(claimed.filter { $0.webhook.id == "wh_a" }.map(\.event.consentId) == [first.id, second.id])
            #expect(claimed.filter { $0.webhook.id == "wh_other" }.map(\.event.bankOrg) == [otherBank])
            #expect(claimed.allSatisfy { $0.attempt == 1 && $0.lease == "one" })
            #expect(try await t.store.claimDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 10, lease: "two").isEmpty, "a leased delivery was claimed twice")

            let request = try #require(claimed.first { $0.event.consentId == first.id })
            try await t.store.finishDelivery(request, attempt: attempt(request, .status(204)), verdict: .delivered, failingAfter: 3)
            let grant = try await t.store.claimDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 10, lease: "two")
            #expect(grant.map(\.event.type) == [.consentGranted] && grant.first?.event.consentId == first.id)

            // Past the lease, another instance takes what a dead one held; the dead one's late word changes nothing.
            let stolen = try await t.store.claimDeliveries(now: later, leaseUntil: later.addingTimeInterval(60), limit: 10, perEndpoint: 10, lease: "three")
            let open = claimed.filter { $0.event.consentId != first.id } + grant
            #expect(Set(stolen.map(\.event.id)) == Set(open.map(\.event.id)))
            let lost = try #require(claimed.first { $0.event.consentId == second.id })
            try await t.store.finishDelivery(lost, attempt: attempt(lost, .status(204)), verdict: .delivered, failingAfter: 3)
            let held = try #require(stolen.first { $0.event.consentId == second.id })
            try await t.store.finishDelivery(held, attempt: attempt(held, .failed("connection refused")), verdict: .retry(at: later.addingTimeInterval(5)), failingAfter: 3)
            let retried = try await t.store.claimDeliveries(now: later.addingTimeInterval(5), leaseUntil: later.addingTimeInterval(100), limit: 10, perEndpoint: 10, lease: "four")
            #expect(retried.contains { $0.event.id == held.event.id && $0.attempt == 2 })

            let shown = try #require(try await t.store.deliveryLog(webhook: "wh_a", of: bank, limit: 10))
            #expect(shown.map(\.attempt) == [1, 1, 1])
            #expect(shown.first?.result == .failed("connection refused"))
            #expect(try await t.store.deliveryLog(webhook: "wh_a", of: otherBank, limit: 10) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func anEndpointHoldsAtMostItsShareOfLeasesWhoeverHoldsThem(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))
            try await t.store.addWebhook(webhook("wh_b"))
            for _ in 0..<6 { _ = try await log.commit(Change(.create(try request())), at: now) }
            let later = now.addingTimeInterval(60)

            // Twelve deliveries are due, six per endpoint: a claim of ten takes four of each.
            let first = try await t.store.claimDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 4, lease: "one")
            #expect(first.filter { $0.webhook.id == "wh_a" }.count == 4 && first.filter { $0.webhook.id == "wh_b" }.count == 4, "\(first.map(\.webhook.id))")
            #expect(first.map(\.event.logIndex) == first.map(\.event.logIndex).sorted())
            // Another lease (another instance) counts the leases already held.
            #expect(try await t.store.claimDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 4, lease: "two").isEmpty)
            // One settles: one slot of that endpoint is free again, and only that one.
            let settled = try #require(first.first { $0.webhook.id == "wh_b" })
            try await t.store.finishDelivery(settled, attempt: attempt(settled, .status(204)), verdict: .delivered, failingAfter: 3)
            let next = try await t.store.claimDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 4, lease: "two")
            #expect(next.map(\.webhook.id) == ["wh_b"])
            // Leases that ran out hold nothing.
            let after = try await t.store.claimDeliveries(now: later, leaseUntil: later.addingTimeInterval(60), limit: 20, perEndpoint: 4, lease: "three")
            #expect(after.filter { $0.webhook.id == "wh_a" }.count == 4 && after.filter { $0.webhook.id == "wh_b" }.count == 4)
        }
    }

    @Test(arguments: Backend.available)
    func anEndpointFailsThenIsDisabledAndAReplayRevivesIt(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))
            _ = try await log.commit(Change(.create(try request())), at: now)
            var clock = now
            for number in 1...3 {
                let job = try #require(try await t.store.claimDeliveries(now: clock, leaseUntil: clock.addingTimeInterval(20), limit: 1, perEndpoint: 10, lease: "l\(number)").first)
                #expect(job.attempt == number)
                clock = clock.addingTimeInterval(1)
                try await t.store.finishDelivery(job, attempt: attempt(job, .status(500), at: clock), verdict: .retry(at: clock), failingAfter: 3)
                #expect(try await t.store.webhooks(of: bank).first?.status == (number < 3 ? .active : .failing))
            }
            let last = try #require(try await t.store.claimDeliveries(now: clock, leaseUntil: clock.addingTimeInterval(20), limit: 1, perEndpoint: 10, lease: "l4").first)
            try await t.store.finishDelivery(last, attempt: attempt(last, .status(500)), verdict: .gaveUp, failingAfter: 3)
            #expect(try await t.store.webhooks(of: bank).first?.status == .disabled)
            #expect(try await t.store.claimDeliveries(now: clock.addingTimeInterval(86_400), leaseUntil: clock, limit: 10, perEndpoint: 10, lease: "l5").isEmpty)
            // A disabled endpoint is not queued for what comes next.
            _ = try await log.commit(Change(.create(try request())), at: clock)
            #expect(try await t.store.claimDeliveries(now: clock.addingTimeInterval(86_400), leaseUntil: clock, limit: 10, perEndpoint: 10, lease: "l6").isEmpty)

            #expect(!(try await t.store.replayDelivery(event: last.event.id, webhook: "wh_a", of: otherBank, now: clock)))
            #expect(!(try await t.store.replayDelivery(event: EventID(logIndex: 999), webhook: "wh_a", of: bank, now: clock)))
            #expect(try await t.store.replayDelivery(event: last.event.id, webhook: "wh_a", of: bank, now: clock))
            #expect(try await t.store.webhooks(of: bank).first?.status == .active)
            let replayed = try await t.store.claimDeliveries(now: clock, leaseUntil: clock.addingTimeInterval(20), limit: 10, perEndpoint: 10, lease: "l7")
            #expect(replayed.map(\.event.id) == [last.event.id] && replayed.first?.attempt == 1)
            try await t.store.finishDelivery(replayed[0], attempt: attempt(replayed[0], .status(200)), verdict: .delivered, failingAfter: 3)
            #expect(try await t.store.deliveryLog(webhook: "wh_a", of: bank, limit: 100)?.count == 5)

            // Removing the endpoint removes its queue and its log with it.
            #expect(try await t.store.removeWebhook(id: "wh_a", of: bank))
            #expect(try await t.store.deliveryLog(webhook: "wh_a", of: bank, limit: 100) == nil)
        }
    }
}

extension StoreContractTests {
    /// An endpoint's event-type filter: the commit queues only the types it names (every type when
    /// it names none), and only its own bank can set it.
    @Test(arguments: Backend.available)
    func anEndpointIsQueuedOnlyTheEventTypesItFiltersOn(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_grants"))
            try await t.store.addWebhook(webhook("wh_all"))
            #expect(try await t.store.setEventTypes([.consentGranted], webhook: "wh_grants", of: otherBank) == nil)
            let set = try await t.store.setEventTypes([.consentGranted, .bundleIssued], webhook: "wh_grants", of: bank)
            #expect(set?.eventTypes == [.consentGranted, .bundleIssued])
            let listed = Dictionary(uniqueKeysWithValues: try await t.store.webhooks(of: bank).map { ($0.id, $0.eventTypes) })
            #expect(listed == ["wh_grants": [.consentGranted, .bundleIssued], "wh_all": []])

            let consent = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent()
            _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now)
            let queued = try #require(try await t.store.deliveries(webhook: "wh_grants", of: bank, before: nil, limit: 10))
            #expect(queued.map(\.eventType) == ["consent.granted"])
            #expect(try await t.store.deliveries(webhook: "wh_all", of: bank, before: nil, limit: 10)?.map(\.eventType) == ["consent.granted", "consent.requested"])
            let jobs = try await t.store.claimDeliveries(now: now, leaseUntil: now.addingTimeInterval(60), limit: 10, perEndpoint: 10, lease: "one")
            #expect(jobs.first { $0.webhook.id == "wh_grants" }?.webhook.eventTypes == [.consentGranted, .bundleIssued])

            // Back to every type: the next event reaches it whatever its type.
            #expect(try await t.store.setEventTypes([], webhook: "wh_grants", of: bank)?.eventTypes == [])
            _ = try await log.commit(Change(.create(try request())), at: now)
            #expect(try await t.store.deliveries(webhook: "wh_grants", of: bank, before: nil, limit: 1)?.first?.eventType == "consent.requested")
        }
    }

    /// The bank's delivery log: one row per event, newest first, with its state and latest attempt,
    /// paged by event, only for the endpoint's own bank.
    @Test(arguments: Backend.available)
    func theDeliveryLogShowsEachDeliverysStateAndLatestAttemptNewestFirst(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addWebhook(webhook("wh_a"))
            try await t.store.addWebhook(webhook("wh_other", of: otherBank))
            for _ in 0..<3 { _ = try await log.commit(Change(.create(try request())), at: now) }
            _ = try await log.commit(Change(.create(try request(from: otherBank))), at: now)
            #expect(try await t.store.deliveries(webhook: "wh_a", of: bank, before: nil, limit: 10)?.map(\.attempts) == [0, 0, 0])

            let later = now.addingTimeInterval(60)
            let jobs = try await t.store.claimDeliveries(now: now, leaseUntil: later, limit: 10, perEndpoint: 10, lease: "one").filter { $0.webhook.id == "wh_a" }
            #expect(jobs.count == 3)
            try await t.store.finishDelivery(jobs[0], attempt: attempt(jobs[0], .status(204)), verdict: .delivered, failingAfter: 3)
            let retryAt = later.addingTimeInterval(30)
            try await t.store.finishDelivery(jobs[1], attempt: attempt(jobs[1], .failed("connection refused")), verdict: .retry(at: retryAt), failingAfter: 3)

            let shown = try #require(try await t.store.deliveries(webhook: "wh_a", of: bank, before: nil, limit: 10))
            #expect(shown.map(\.event) == jobs.reversed().map { .event($0.event.id) })
            #expect(shown.allSatisfy { $0.eventType == "consent.requested" && $0.webhookId == "wh_a" })
            #expect(shown.map(\.state) == [.pending, .pending, .delivered])
            #expect(shown.map(\.attempts) == [0, 1, 1])
            #expect(shown[0].lastAttempt == nil && shown[0].nextAttemptAt == now)
            #expect(shown[1].lastAttempt?.result == .failed("connection refused") && shown[1].lastAttempt?.milliseconds == 12)
            #expect(shown[1].nextAttemptAt == retryAt)
            #expect(shown[2].lastAttempt?.result == .status(204) && shown[2].nextAttemptAt == nil)

            let page = try #require(try await t.store.deliveries(webhook: "wh_a", of: bank, before: shown[0].event, limit: 1))
            #expect(page.map(\.event) == [shown[1].event])
            #expect(try await t.store.deliveries(webhook: "wh_a", of: otherBank, before: nil, limit: 10) == nil)
            #expect(try await t.store.deliveries(webhook: "wh_none", of: bank, before: nil, limit: 10) == nil)
        }
    }
}

extension StoreContractTests {
    /// The backlog an operator's gauges show: pending deliveries and when the oldest one's event
    /// happened, leaving out what waits on a disabled endpoint.
    @Test(arguments: Backend.available)
    func theBacklogCountsPendingDeliveriesAndDatesTheOldest(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            #expect(try await t.store.deliveryBacklog() == DeliveryBacklog(pending: 0, oldestEventAt: nil))
            try await t.store.addWebhook(webhook("wh_a"))
            let later = now.addingTimeInterval(10)
            _ = try await log.commit(Change(.create(try request())), at: now)
            _ = try await log.commit(Change(.create(try request())), at: later)
            #expect(try await t.store.deliveryBacklog() == DeliveryBacklog(pending: 2, oldestEventAt: now))

            let first = try #require(try await t.store.claimDeliveries(now: later, leaseUntil: later.addingTimeInterval(60), limit: 1, perEndpoint: 4, lease: "one").first)
            try await t.store.finishDelivery(first, attempt: attempt(first, .status(204)), verdict: .delivered, failingAfter: 3)
            #expect(try await t.store.deliveryBacklog() == DeliveryBacklog(pending: 1, oldestEventAt: later))

            let second = try #require(try await t.store.claimDeliveries(now: later, leaseUntil: later.addingTimeInterval(60), limit: 1, perEndpoint: 4, lease: "two").first)
            try await t.store.finishDelivery(second, attempt: attempt(second, .status(500)), verdict: .retry(at: later.addingTimeInterval(5)), failingAfter: 3)
            #expect(try await t.store.deliveryBacklog().pending == 1, "a delivery waiting for its retry is still pending")
            let retried = try #require(try await t.store.claimDeliveries(now: later.addingTimeInterval(5), leaseUntil: later.addingTimeInterval(60), limit: 1, perEndpoint: 4, lease: "three").first)
            try await t.store.finishDelivery(retried, attempt: attempt(retried, .status(500)), verdict: .gaveUp, failingAfter: 3)
            #expect(try await t.store.deliveryBacklog() == DeliveryBacklog(pending: 0, oldestEventAt: nil))
        }
    }
}
