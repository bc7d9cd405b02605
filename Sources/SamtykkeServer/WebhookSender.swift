import CurlHTTP
import Foundation
import Logging
import Metrics
import SamtykkeCore
import SamtykkeStore
import ServiceLifecycle
import Tracing

/// Delivers the outbox to banks' endpoints: leases due deliveries, POSTs each event signed as
/// Standard Webhooks says, and records every attempt with what becomes of the delivery. Safe with
/// several instances (leases), at least once (a delivery is settled only after its answer, so a
/// broker killed mid-way leaves it to be claimed again, same `webhook-id`), in order per consent
/// (the claim skips events whose consent has an earlier one open).
struct WebhookSender: Service, CustomStringConvertible {
    let broker: Broker
    let prepared: StartupGate
    /// A claim that fails while the database is down is not logged again: the database's line says it.
    let database: DependencyHealth
    let logger: Logger

    var description: String { "WebhookSender" }

    static let deliveriesMetric = "samtykke_webhook_deliveries_total"
    static let results = ["delivered", "retry", "gave-up", "gone"]

    func run() async throws {
        let settings = broker.webhookDelivery
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: settings.connectTimeout,
            totalTimeout: settings.timeout,
            tls: CurlTLSConfiguration(additionalTrustPEM: settings.trustPEM),
            maxConcurrentRequests: settings.concurrency,
            allowedProtocols: .https,
            userAgent: "samtykke-webhooks",
            maxResponseBytes: 4096,
            truncatesResponseBody: true
        ))
        let lease = "lease_" + UUID.randomVersion4().uuidString
        await cancelWhenGracefulShutdown {
            await prepared.wait()
            await withTaskGroup(of: Wakeup.self) { group in
                var running = 0
                var listening = false
                while !Task.isCancelled {
                    // Slots are claimed again as each delivery settles, so an endpoint that hangs
                    // holds only its own (at most `perEndpoint`), never the others' turn.
                    let jobs = running < settings.concurrency ? await claim(upTo: settings.concurrency - running, lease: lease) : []
                    for job in jobs {
                        group.addTask {
                            await withSpan("webhook delivery", context: broker.traceOrigins.origin(ofLogIndex: job.event.logIndex), ofKind: .client) { _ in
                                await broker.activity.during(delivery: { await deliver(job, with: client) })
                            }
                            return .settled
                        }
                    }
                    running += jobs.count
                    if !listening {
                        group.addTask { await broker.deliveryBell.wait(upTo: settings.pollInterval); return .rung }
                        listening = true
                    }
                    switch await group.next() {
                    case .settled: running -= 1
                    case .rung: listening = false
                    case nil: return
                    }
                }
            }
        }
    }

    /// What wakes the sender: a delivery settled (its slot is free, and the consent's next event may
    /// be due), or a commit rang (or the poll interval passed).
    private enum Wakeup { case settled, rung }

    private func claim(upTo limit: Int, lease: String) async -> [DeliveryJob] {
        let settings = broker.webhookDelivery
        do {
            let now = broker.now()
            return try await broker.store.claimDeliveries(
                now: now, leaseUntil: now.addingTimeInterval(settings.lease.seconds), limit: limit, perEndpoint: settings.perEndpoint, lease: lease
            )
        } catch is CancellationError {
            return []  // shutting down
        } catch {
            if await database.problem(maxAge: .seconds(2)) == nil {
                logger.error("could not claim webhook deliveries", metadata: ["error": "\(error)"])
            }
            return []
        }
    }

    /// One attempt: never throws, since a failure is a result to record, not a reason to stop.
    func deliver(_ job: DeliveryJob, with client: CurlClient) async {
        let started = ContinuousClock.now
        let at = broker.now()
        var retryAfter: TimeInterval?
        let result: DeliveryAttempt.Result
        do {
            let response = try await post(job, at: at, with: client)
            result = .status(response.status)
            retryAfter = DeliverySchedule.retryAfter(response.header(named: "Retry-After"), now: at)
        } catch let refused as WebhookTargetRefused {
            result = .failed(refused.description)
        } catch let failure as CurlError {
            result = .failed(failure.description)
        } catch {
            result = .failed("\(error)")
        }
        let attempt = DeliveryAttempt(
            webhookId: job.webhook.id, event: job.event.id, attempt: job.attempt, at: at,
            milliseconds: Int(started.duration(to: .now).seconds * 1000), result: result
        )
        let verdict = broker.webhookDelivery.schedule.verdict(after: attempt, retryAfter: retryAfter)
        do {
            try await broker.store.finishDelivery(job, attempt: attempt, verdict: verdict, failingAfter: broker.webhookDelivery.failingAfter)
        } catch {
            // The lease runs out and the delivery is tried again: at least once, never lost.
            logger.error("could not record a webhook delivery", metadata: ["webhook": "\(job.webhook.id)", "event": "\(job.event.id)", "error": "\(error)"])
        }
        let name = switch verdict {
        case .delivered: "delivered"
        case .retry: "retry"
        case .gaveUp: "gave-up"
        case .gone: "gone"
        }
        Counter(label: Self.deliveriesMetric, dimensions: [("result", name)]).increment()
        var metadata: Logger.Metadata = [
            "webhook": "\(job.webhook.id)", "bank": "\(job.webhook.bankOrg.digits)", "event": "\(job.event.id)",
            "attempt": "\(job.attempt)", "result": "\(name)", "milliseconds": "\(attempt.milliseconds)",
        ]
        switch result {
        case .status(let status): metadata["status"] = "\(status)"
        case .failed(let reason): metadata["error"] = "\(reason)"
        }
        if case .retry(let next) = verdict { metadata["nextAttempt"] = "\(RFC3339.string(from: next))" }
        if case .delivered = verdict {
            logger.info("webhook delivered", metadata: metadata)
        } else {
            logger.warning("webhook not delivered", metadata: metadata)
        }
    }

    private func post(_ job: DeliveryJob, at: Date, with client: CurlClient) async throws -> CurlResponse {
        guard let secret = Seal(signer: broker.signer, purpose: .webhookSecret).open(job.webhook.sealedSecret, context: job.webhook.id) else {
            throw WebhookTargetRefused(reason: "has a secret sealed under another bundle-signing key: register the endpoint again")
        }
        let target = try await WebhookTarget.check(job.webhook.url, allowPrivate: broker.webhookAllowPrivate)
        let body = try JSONIO.bytes(EventView(job.event))
        let id = job.event.id.description
        let timestamp = Int(at.timeIntervalSince1970)
        var request = CurlRequest.postJSON(target.url, body: body, headers: [
            CurlHeader(name: "webhook-id", value: id),
            CurlHeader(name: "webhook-timestamp", value: "\(timestamp)"),
            CurlHeader(name: "webhook-signature", value: WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: secret)),
        ])
        request.pinnedAddresses = target.pinnedAddresses
        return try await client.execute(request)
    }
}
