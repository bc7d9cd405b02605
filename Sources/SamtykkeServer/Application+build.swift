import Hummingbird
import Logging
import NIOCore
import SamtykkeStorage

/// Where and how the broker listens.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// How often the background job looks for consents to expire.
    public var expirySweepInterval: Duration

    public init(host: String = "127.0.0.1", port: Int = 8080, expirySweepInterval: Duration = .seconds(1)) {
        self.host = host
        self.port = port
        self.expirySweepInterval = expirySweepInterval
    }
}

/// The broker application, the same for `samtykke serve`, `samtykke demo` and the tests.
public func buildApplication(
    broker: Broker,
    options: ServerOptions,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(broker: broker),
        configuration: .init(address: .hostname(options.host, port: options.port), serverName: "samtykke"),
        services: [ExpiryService(broker: broker, interval: options.expirySweepInterval, logger: logger)],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? options.port) },
        logger: logger
    )
}

/// Every route of SPEC §2, each group behind the authentication its party uses.
public func buildRouter(broker: Broker) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MetricsMiddleware())

    PublicController(broker: broker, metrics: SamtykkeMetrics.registry).addRoutes(to: router)

    let bank = router.group("v1").add(middleware: APIKeyAuthenticator(database: broker.database, role: .bank))
    BankController(broker: broker, bundles: BundleService(broker: broker)).addRoutes(to: bank)

    let citizen = router.group("v1/me").add(middleware: IDTokenAuthenticator(broker: broker))
    CitizenController(broker: broker).addRoutes(to: citizen)

    let auditor = router.group("v1/audit").add(middleware: APIKeyAuthenticator(database: broker.database, role: .auditor))
    AuditController(broker: broker).addRoutes(to: auditor)

    return router
}
