import CurlHTTP
import Foundation
import Logging
import Metrics
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStore
import ServiceLifecycle
import Tracing

/// Delivers the outbox to banks' endpoints: leases due deliveries, POSTs each event signed as
/// Standard Webhooks says, and records every attempt with what becomes of the delivery. Safe with
/// several instances (leases), at least once (a delivery is settled only after its answer, so a
/// broker killed mid-way leaves it to be claimed again, same `webhook-id`), in order per consent
/// (the claim skips events whose consent has an earlier one open).
package struct WebhookSender: Service, CustomStringConvertible {
    let store: any DeliveryStore
    let now: @Sendable () -> Date
    let settings: Broker.WebhookDelivery
    /// Rung by commits that wrote events.
    let bell: DeliveryBell
    /// Deliveries in flight count here, for the shutdown log line.
    let activity: Activity
    /// Where each delivery finds the request whose trace it continues.
    let traceOrigins: TraceOrigins
    /// Opens the endpoints' sealed secrets.
    let signer: ES256Signer
    /// Loopback, link-local and private targets are delivered to only when set (dev, tests).
    let allowPrivate: Bool
    let prepared: StartupGate
    /// A claim that fails while the database is down is not logged again: the database's line says it.
    let database: DependencyHealth
    let logger: Logger

    package init(
        _ context: BackgroundContext, store: any DeliveryStore, now: @escaping @Sendable () -> Date, settings: Broker.WebhookDelivery,
        bell: DeliveryBell, activity: Activity, traceOrigins: TraceOrigins, signer: ES256Signer, allowPrivate: Bool
    ) {
        self.store = store
        self.now = now
        self.settings = settings
        self.bell = bell
        self.activity = activity
        self.traceOrigins = traceOrigins
        self.signer = signer
        self.allowPrivate = allowPrivate
        prepared = context.prepared
        database = context.database
        logger = context.logger
    }

    package var description: String { "WebhookSender" }

    package func run() async throws {
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
                            await withSpan("webhook delivery", context: job.origin(traceOrigins), ofKind: .client) { _ in
                                await activity.during(delivery: { await job.deliver(self, client) })
                            }
                            return .settled
                        }
                    }
                    running += jobs.count
                    if !listening {
                        group.addTask { await bell.wait(upTo: settings.pollInterval); return .rung }
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

    /// A claimed delivery of either kind, ready to run.
    struct Claimed: Sendable {
        let origin: @Sendable (TraceOrigins) -> ServiceContext
        let deliver: @Sendable (WebhookSender, CurlClient) async -> Void

        init<Event: WebhookPayload>(_ job: QueuedDelivery<Event>) {
            origin = { origins in job.event.traceLogIndex.map(origins.origin(ofLogIndex:)) ?? .topLevel }
            deliver = { sender, client in await sender.deliver(job, with: client) }
        }
    }

    /// Tests first: each is one delivery a bank is waiting to see, and there are few. A stop does not
    /// wait for a claim stuck on a database that stopped answering: the leases it may still take run
    /// out, and the deliveries are claimed again, by this instance after a restart or by another.
    private func claim(upTo limit: Int, lease: String) async -> [Claimed] {
        do {
            return try await untilCancelled { [self] in
                let now = now()
                let leaseUntil = now.addingTimeInterval(settings.lease.seconds)
                let tests = try await store.claimTestDeliveries(
                    now: now, leaseUntil: leaseUntil, limit: limit, perEndpoint: settings.perEndpoint, lease: lease
                )
                let events = tests.count < limit ? try await store.claimDeliveries(
                    now: now, leaseUntil: leaseUntil, limit: limit - tests.count, perEndpoint: settings.perEndpoint, lease: lease
                ) : []
                return tests.map(Claimed.init) + events.map(Claimed.init)
            }
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
    func deliver<Event: WebhookPayload>(_ job: QueuedDelivery<Event>, with client: CurlClient) async {
        let started = ContinuousClock.now
        let at = now()
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
            webhookId: job.webhook.id, message: job.event.messageID, attempt: job.attempt, at: at,
            milliseconds: Int(started.duration(to: .now).seconds * 1000), result: result
        )
        let verdict = settings.schedule.verdict(after: attempt, retryAfter: retryAfter)
        do {
            // A stop (which comes to a delivery in flight as cancellation) lets a healthy database
            // record it, but is not held up by a stuck one: unrecorded, it is tried again.
            try await untilCancelled(grace: .seconds(2)) { [store, settings] in
                try await Event.finish(job, attempt: attempt, verdict: verdict, failingAfter: settings.failingAfter, in: store)
            }
        } catch is CancellationError {
            logger.notice("webhook attempt not recorded before the stop: the delivery is tried again", metadata: ["webhook": "\(job.webhook.id)", "event": "\(job.event.messageID)"])
        } catch {
            // The lease runs out and the delivery is tried again: at least once, never lost.
            logger.error("could not record a webhook delivery", metadata: ["webhook": "\(job.webhook.id)", "event": "\(job.event.messageID)", "error": "\(error)"])
        }
        let name = switch verdict {
        case .delivered: "delivered"
        case .retry: "retry"
        case .gaveUp: "gave-up"
        case .gone: "gone"
        }
        Counter(label: SamtykkeMetrics.webhookDeliveries, dimensions: [("result", name)]).increment()
        var metadata: Logger.Metadata = [
            "webhook": "\(job.webhook.id)", "bank": "\(job.webhook.bankOrg.digits)", "event": "\(job.event.messageID)",
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

    private func post<Event: WebhookPayload>(_ job: QueuedDelivery<Event>, at: Date, with client: CurlClient) async throws -> CurlResponse {
        let target = try await WebhookTarget.check(job.webhook.url, allowPrivate: allowPrivate)
        let signed = try Self.signed(job, at: at, signer: signer)
        var request = CurlRequest.postJSON(target.url, body: signed.body, headers: signed.headers)
        request.pinnedAddresses = target.pinnedAddresses
        return try await client.execute(request)
    }

    /// The body and the Standard Webhooks headers of `job`'s POST at `at`: one `v1,` signature per
    /// secret that signs then (the previous one too during a rotation's overlap), as the
    /// specification allows, so a bank verifies with whichever secret it holds.
    static func signed<Event: WebhookPayload>(_ job: QueuedDelivery<Event>, at: Date, signer: ES256Signer) throws -> (body: [UInt8], headers: [CurlHeader]) {
        let seal = Seal(signer: signer, purpose: .webhookSecret)
        let secrets = try job.webhook.sealedSigningSecrets(at: at).map { sealed in
            guard let secret = seal.open(sealed, context: job.webhook.id) else {
                throw WebhookTargetRefused(reason: "has a secret sealed under another bundle-signing key: register the endpoint again")
            }
            return secret
        }
        let body = try job.event.body()
        let id = job.event.messageID.description
        let timestamp = Int(at.timeIntervalSince1970)
        let signatures = secrets.map { WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: $0) }
        return (body, [
            CurlHeader(name: "webhook-id", value: id),
            CurlHeader(name: "webhook-timestamp", value: "\(timestamp)"),
            CurlHeader(name: "webhook-signature", value: signatures.joined(separator: " ")),
        ])
    }
}

/// What the sender needs of a queued event, of a consent or a test: its id, its body, the trace it
/// continues, and where its attempts are recorded.
protocol WebhookPayload: Sendable, Hashable {
    var messageID: MessageID { get }
    /// The log entry whose request's trace the delivery continues; nil for a test.
    var traceLogIndex: UInt64? { get }
    func body() throws -> [UInt8]
    static func finish(_ job: QueuedDelivery<Self>, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int, in store: any DeliveryStore) async throws
}

extension OutboxEvent: WebhookPayload {
    var messageID: MessageID { .event(id) }
    var traceLogIndex: UInt64? { id.logIndex }
    func body() throws -> [UInt8] { try JSONIO.bytes(EventView(self)) }

    static func finish(_ job: DeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int, in store: any DeliveryStore) async throws {
        try await store.finishDelivery(job, attempt: attempt, verdict: verdict, failingAfter: failingAfter)
    }
}

extension TestEvent: WebhookPayload {
    var messageID: MessageID { .test(id) }
    var traceLogIndex: UInt64? { nil }
    func body() throws -> [UInt8] { try JSONIO.bytes(TestEventView(self)) }

    static func finish(_ job: TestDeliveryJob, attempt: DeliveryAttempt, verdict: DeliveryVerdict, failingAfter: Int, in store: any DeliveryStore) async throws {
        try await store.finishTestDelivery(job, attempt: attempt, verdict: verdict, failingAfter: failingAfter)
    }
}
