import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SamtykkeJOSE
import SamtykkeStore
import ServiceLifecycle

/// Where and how the broker listens.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// How often the background job looks for consents to expire.
    public var expirySweepInterval: Duration
    /// Limits of the HTTP/1 parser. Hummingbird's defaults are 80 KiB for one header field, 80 KiB
    /// for all of them and 1000 fields; the API reads a handful of small headers (the largest, an ID
    /// token, is a few KiB), so these are tighter. Over a limit NIO answers a bare 400 and closes the
    /// connection: the request never reaches the router, so there is no problem document.
    public var maxHeaderFieldBytes = 16 * 1024
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderFields = 100
    /// A new connection must send its first byte within 10 s, a request head must complete within
    /// 10 s of its first byte and its body within 30 s of the head, so silent connections and
    /// half-sent requests do not hold connections; a connection idle between requests is kept 75 s,
    /// longer than the 60 s most load balancers keep theirs, so the balancer is the one to close it.
    public var timeouts = ConnectionTimeouts(firstByte: .seconds(10), idle: .seconds(75), header: .seconds(10), body: .seconds(30))
    /// Connections served at once. Beyond it new ones wait in the listen backlog, and past that the
    /// kernel refuses them. 512 stays clear of the common limit of 1024 open files, which the
    /// database, the agency's connections and the log share.
    public var maxConnections = 512
    /// Which store the broker uses, for the start-up log line (`sqlite`, `postgresql`).
    public var backend = "sqlite"
    /// Connections one address (an IPv6 /64) may hold at once; a trusted proxy is not counted. A
    /// quarter of `maxConnections`, so one address cannot take them all, and twice the 64 a busy
    /// bank's connection pool (or the benchmark) keeps open.
    public var maxConnectionsPerAddress = 128

    public init(host: String = "127.0.0.1", port: Int = 8080, expirySweepInterval: Duration = .seconds(1)) {
        self.host = host
        self.port = port
        self.expirySweepInterval = expirySweepInterval
    }
}

/// The broker application. Called only by the composition root (`SamtykkeApp`'s `buildBroker`),
/// through which `samtykke serve`, `samtykke demo` and the tests build the same application.
/// `storeServices` run beside it (PostgreSQL's connection pool), then `background` (the sweepers,
/// the webhook engine, the witness submitter: the composition root picks them), and `prepare` (migrations) runs
/// beside the server, again every second until it succeeds: the port is bound at once, so a broker
/// whose database is not there yet answers `/healthz`, `/readyz` and `/metrics`, and becomes ready
/// when the database comes. The start-up line (version, backend, address) is logged when the port
/// is bound; `onServerRunning` is called once the store is prepared as well.
package func buildApplication(
    broker: Broker,
    options: ServerOptions,
    logger: Logger,
    storeServices: [any Service] = [],
    background: [BackgroundService] = [],
    prepare: @escaping @Sendable () async throws -> Void = {},
    eventLoopGroup: EventLoopGroupProvider = .singleton,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let prepared = StartupGate()
    let perAddress = AddressConnections(limit: options.maxConnectionsPerAddress, exempt: broker.trustedProxies)
    let health = BrokerHealth(of: broker, prepared: prepared, logger: logger)
    let boundPort = BoundPort()
    let boundURL = broker.boundURL
    return Application(
        router: buildRouter(broker: broker, health: health),
        server: HTTPServerBuilder { responder in
            DeadlinedHTTP1Channel(
                responder: responder,
                configuration: .init(httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: options.maxHeaderFieldBytes,
                    maxHeaderListSize: options.maxHeaderBytes,
                    maxHeaderFieldCount: options.maxHeaderFields
                )),
                timeouts: options.timeouts,
                perAddress: perAddress
            )
        },
        configuration: .init(
            address: .hostname(options.host, port: options.port), serverName: "samtykke",
            availableConnectionsDelegate: MaximumAvailableConnections(options.maxConnections)
        ),
        services: storeServices + [
            StorePreparation(prepare: prepare, prepared: prepared, database: health.database, logger: logger) {
                if let port = await boundPort.value() { await onServerRunning(port) }
            },
            HealthMonitor(store: broker.store, storeFigures: broker.storeFigures, health: health),
        ]
            + background.map { $0(BackgroundContext(prepared: prepared, database: health.database, witnesses: health.witnesses, logger: logger)) },
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? options.port
            logger.notice("broker listening", metadata: [
                "url": "http://\(options.host):\(port)", "version": "\(BuildInfo.version)", "backend": "\(options.backend)",
            ])
            boundURL.set(host: options.host, port: port)
            boundPort.set(port)
        },
        eventLoopGroupProvider: eventLoopGroup,
        logger: logger
    )
}

/// Every route of SPEC §2, each group behind the authentication its party uses. `openapi.json`
/// describes exactly these routes (a test holds the two together) and decides which query
/// parameters and bodies each one accepts.
public func buildRouter(broker: Broker) -> Router<AppRequestContext> {
    buildRouter(broker: broker, health: BrokerHealth(of: broker, prepared: StartupGate(open: true), logger: broker.logger))
}

func buildRouter(broker: Broker, health: BrokerHealth) -> Router<AppRequestContext> {
    let openAPI = OpenAPIDocument.shipped
    // HEAD is answered on every GET route, as RFC 9110 §9.3.2 asks of a server.
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestTracingMiddleware())
    router.add(middleware: ObservationMiddleware(trustedProxies: broker.trustedProxies, activity: broker.activity))
    router.add(middleware: HeadMiddleware())
    router.add(middleware: ProblemMiddleware(database: health.database))
    router.add(middleware: AddressRateLimitMiddleware(limiter: RateLimiter(rule: broker.limits.addressRate), trustedProxies: broker.trustedProxies))
    let now = broker.now
    let publicBase: @Sendable () -> String = { broker.publicBase }
    let bankKeys = BankAuthenticator(
        apiKeys: broker.apiKeys ? APIKeyAuthenticator(parties: broker.store, role: .bank) : nil,
        tokens: AccessToken.Verifier(current: broker.signer, retired: broker.retiredKeys), grantKeys: broker.store, requireDPoP: broker.requireDPoP, uses: broker.log,
        clock: broker.clock, publicBase: publicBase
    )
    let idTokens = IDTokenAuthenticator(
        sessions: broker.store, idTokens: broker.idTokens, cliClientID: broker.citizenLogin.cliClientID, now: now, clock: broker.clock
    )
    let auditorKeys = APIKeyAuthenticator(parties: broker.store, role: .auditor)
    // Keyed by the security schemes of `openapi.json`.
    let authenticators: [String: any RouterMiddleware<AppRequestContext>] = [
        "bankKey": bankKeys, "bankDPoP": bankKeys, "bankOAuth": bankKeys, "idToken": idTokens, "auditorKey": auditorKeys,
    ]
    router.add(middleware: RequestShapeMiddleware(document: openAPI, place: .router(authenticators: authenticators)))
    let shape = RequestShapeMiddleware(document: openAPI, place: .behindAuthentication)

    let checkpoints = CheckpointPublisher(store: broker.store, logSigner: broker.logSigner, cosignatures: broker.cosignatures)
    PublicController(
        jwks: broker.jwks, checkpoints: checkpoints, releaseAgainstLog: broker.agencyLogPolicy != nil, storeFigures: broker.storeFigures,
        lastCommit: broker.lastCommit, now: now, health: health, metrics: SamtykkeMetrics.registry, openAPI: openAPI
    ).addRoutes(to: router)
    ProblemTypes.addRoutes(to: router)
    // Everything from here on reads the store.
    router.add(middleware: StoreGateMiddleware(prepared: health.prepared))
    let tlog = TlogController(store: broker.store, checkpoints: checkpoints, auditors: auditorKeys)
    tlog.addPublicRoutes(to: router)
    // One limiter for banks and citizens: a caller is limited the same whichever of those routes it
    // uses (a bank's token grants too). Auditors, who read the whole log, have their own.
    let rateLimit = RateLimitMiddleware(limiter: RateLimiter(rule: broker.limits.rate), policy: "caller")
    TokenController(
        store: broker.store, uses: broker.log, signer: broker.signer, requireDPoP: broker.requireDPoP, maxBodyBytes: broker.limits.maxBodyBytes,
        clock: broker.clock, publicBase: publicBase, limiter: rateLimit.limiter
    ).addRoutes(to: router)

    let bank = router.group("v1").add(middleware: bankKeys).add(middleware: shape).add(middleware: rateLimit)
    let bundles = BundleService(
        BundleService.Parts(
            store: broker.store, committer: broker.committer, receipts: broker.receipts, cosignatures: broker.cosignatures, agency: broker.agency,
            signer: broker.signer, issuer: broker.issuer, agencyAudience: broker.agencyAudience,
            clientCertificateSHA256: broker.clientCertificateSHA256, cosigner: broker.cosigner, bundleDeadline: broker.limits.bundleDeadline,
            refusalRate: broker.limits.refusalRate, now: now
        ),
        agencyHealth: health.agency
    )
    BankController(
        store: broker.store, committer: broker.committer, bundles: bundles, limits: broker.limits, policy: broker.policy, now: now,
        publicBase: publicBase
    ).addRoutes(to: bank)
    WebhookController(
        store: broker.store, registrar: WebhookRegistrar(signer: broker.signer, allowPrivate: broker.webhookAllowPrivate),
        deliveryBell: broker.deliveryBell, limits: broker.limits, now: now
    ).addRoutes(to: bank)

    PagesController(
        store: broker.store, committer: broker.committer, login: broker.citizenLogin, idTokens: broker.idTokens,
        maxBodyBytes: broker.limits.maxBodyBytes, now: now, clock: broker.clock, publicBase: publicBase, logger: broker.logger
    ).addRoutes(to: router)
    let sessions = CitizenSessionController(
        sessions: broker.store, uses: broker.log, idTokenLifetime: broker.idTokens.configuration.maximumLifetime, login: broker.citizenLogin, now: now
    )
    sessions.addPublicRoutes(to: router)
    sessions.addRoutes(
        exchange: router.group("v1/citizen-sessions").add(middleware: idTokens.accepting(.idTokenOnly))
            .add(middleware: shape).add(middleware: rateLimit),
        logout: router.group("v1/citizen-sessions").add(middleware: idTokens.accepting(.sessionOnly))
            .add(middleware: shape).add(middleware: rateLimit)
    )

    let citizen = router.group("v1/me").add(middleware: idTokens).add(middleware: shape).add(middleware: rateLimit)
    CitizenController(
        store: broker.store, committer: broker.committer, cosignatures: broker.cosignatures, maxPageSize: broker.limits.maxPageSize,
        publicBase: publicBase
    ).addRoutes(to: citizen)
    OpeningsController(store: broker.store, maxPageSize: broker.limits.maxPageSize).addCitizenRoutes(to: citizen)

    let auditor = router.group("v1/audit")
        .add(middleware: auditorKeys)
        .add(middleware: shape)
        .add(middleware: RateLimitMiddleware(limiter: RateLimiter(rule: broker.limits.auditRate), policy: "auditor"))
    AuditController(store: broker.store, receipts: broker.receipts, maxPageSize: broker.limits.maxPageSize).addRoutes(to: auditor)
    OpeningsController(store: broker.store, maxPageSize: broker.limits.maxPageSize).addAuditorRoutes(to: auditor)

    return router
}

extension BrokerHealth {
    /// The health of `broker`'s dependencies, for the application and for a router built alone.
    fileprivate convenience init(of broker: Broker, prepared: StartupGate, logger: Logger) {
        self.init(
            store: broker.store, agency: broker.agency, agencyProbeDeadline: broker.limits.agencyProbeDeadline, witnessURLs: broker.witnessURLs,
            release: broker.agencyLogPolicy, prepared: prepared, logger: logger
        )
    }
}
