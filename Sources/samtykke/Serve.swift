import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SamtykkeApp
import SamtykkeServer
import ServiceLifecycle
import TraceExport

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the broker (SQLite under --data-dir, or PostgreSQL with --database for several instances).")

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on (default 8080; 0 picks a free one).")
    var port: Int?
    @OptionGroup var broker: BrokerFlags
    @Option(help: "Requests per second each bank, citizen or auditor may make (default 50).")
    var ratePerSecond: Int?
    @Option(help: "Requests each caller may burst above that rate (default 200).")
    var rateBurst: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?
    @Option(help: "Log format: text (default) or json, one object per line on stderr.")
    var logFormat: LogFormat?
    @Option(
        name: .customLong("witness"),
        help: "A C2SP tlog-witness to submit every checkpoint to, URL=VKEY (VKEY from `samtykke witness key`); repeatable (environment: comma-separated).",
        transform: Self.witness
    )
    var witnesses: [WitnessEndpoint] = []
    @Option(help: "Release against the log (SPEC §5): the C2SP tlog-policy file the tax agency uses. Each fetch is then logged as data.requested, cosigned by enough --witness to meet its quorum, and proven in the consent token; the broker refuses to start when its witnesses cannot meet the quorum.")
    var agencyLogPolicy: String?
    @Flag(help: "Accept webhook targets on loopback, link-local and private addresses (development and tests only).")
    var webhookAllowPrivate = false
    @Option(help: "PEM file of CA certificates trusted, beside the system's, for banks' webhook endpoints.")
    var webhookCa: String?
    @Option(help: "Seconds a webhook endpoint has to answer one delivery (default 10); a delivery in flight when a broker dies is tried again after twice this.")
    var webhookTimeout: Int?
    @Option(
        help: "How long after a consent ended (denied, revoked, withdrawn, expired, used up) its personal data stays in the live tables: days or hours, e.g. 400d or 12h (default 90d). The consent log keeps its history regardless.",
        transform: RetentionPeriod.parse
    )
    var retention: RetentionPeriod?
    @Option(help: "The URL banks and citizens reach the broker at, the same on every instance (default http://HOST:PORT): /v1/token's audience and the base of DPoP proofs' htu.")
    var publicUrl: HTTPURL?
    @Flag(help: "Accept access tokens only with a DPoP proof (RFC 9449), never as Bearer tokens.")
    var requireDpop = false
    @Flag(help: "Turn banks' API keys off: banks authenticate only with access tokens from /v1/token.")
    var noApiKeys = false
    @Option(help: "Send traces to this OpenTelemetry collector over OTLP/HTTP, e.g. http://127.0.0.1:4318 (spans go to /v1/traces under it); off by default.")
    var otlpEndpoint: HTTPURL?
    @OptionGroup(title: "Connections and floods") var connections: ConnectionFlags

    static func witness(_ text: String) throws -> WitnessEndpoint {
        do {
            return try WitnessEndpoint(text)
        } catch {
            throw ValidationError("--witness \(error)")
        }
    }

    /// The settings that can be judged before anything is opened, each from its flag or the
    /// environment, so a bad one stops the broker before it starts rather than at the first
    /// request (a zero rate divided by zero there).
    mutating func validate() throws {
        try Env.fill(&host, "host")
        try Env.fill(&port, "port")
        try Env.fill(&ratePerSecond, "rate-per-second")
        try Env.fill(&rateBurst, "rate-burst")
        try Env.fill(&logLevel, "log-level")
        try Env.fill(&logFormat, "log-format")
        try Env.fill(&webhookAllowPrivate, "webhook-allow-private")
        try Env.fill(&webhookCa, "webhook-ca")
        try Env.fill(&webhookTimeout, "webhook-timeout")
        try Env.fill(&retention, "retention", RetentionPeriod.parse)
        try Env.fill(&witnesses, "witness", Self.witness)
        try Env.fill(&agencyLogPolicy, "agency-log-policy")
        try Env.fill(&publicUrl, "public-url")
        try Env.fill(&requireDpop, "require-dpop")
        try Env.fill(&noApiKeys, "no-api-keys")
        try Env.fill(&otlpEndpoint, "otlp-endpoint")
        _ = try checked()
        if let webhookCa { _ = try Self.trustRoots(webhookCa) }
        try broker.requireStoreAndAgency()
    }

    /// The numbers as the broker takes them; `validate()` has refused any that do not fit.
    private func checked() throws -> (port: Int, rate: RateLimiter.Rule, webhookTimeout: Duration) {
        let port = try listenPort(port, default: 8080)
        func amount(_ flag: String, _ given: Int?, default fallback: Int) throws -> RateLimiter.Rule.Amount {
            let value = given ?? fallback
            guard value >= 1, let amount = RateLimiter.Rule.Amount(Double(value)) else {
                throw ValidationError("--\(flag) must be at least 1, not \(value)")
            }
            return amount
        }
        let rate = RateLimiter.Rule(perSecond: try amount("rate-per-second", ratePerSecond, default: 50), burst: try amount("rate-burst", rateBurst, default: 200))
        let seconds = webhookTimeout ?? 10
        guard (1...60).contains(seconds) else { throw ValidationError("--webhook-timeout must be 1–60 seconds, not \(seconds)") }
        return (port, rate, .seconds(seconds))
    }

    /// `--webhook-ca`'s certificates, judged in `validate()` and read again in `run()`.
    static func trustRoots(_ file: String) throws -> [UInt8] {
        do {
            return try TrustRoots.pem(from: file)
        } catch {
            throw ValidationError("--webhook-ca \(error)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let host = host ?? "127.0.0.1"
            let (port, rate, webhookTimeout) = try checked()
            // Before the first logger exists: every logger made after this writes the chosen format
            // (and, when traces are on, the trace ids of the request it is written in).
            let traceIds = otlpEndpoint.map { _ in TraceExport.logMetadata }
            if logFormat == .json {
                LoggingSystem.bootstrap({ label, provider in JSONLogHandler(label: label, metadataProvider: provider) }, metadataProvider: traceIds)
            } else {
                LoggingSystem.bootstrap(
                    { label, provider in TextLogHandler(base: StreamLogHandler.standardError(label: label, metadataProvider: provider)) },
                    metadataProvider: traceIds
                )
            }
            let logger = makeLogger("samtykke.broker", level: logLevel)
            let traces = try otlpEndpoint.map { try TraceExport.start(endpoint: $0.description, logger: logger) }
            var settings = try broker.settings()
            settings.server = ServerOptions(host: host, port: port)
            settings.limits.rate = rate
            settings.limits.retention = retention?.seconds ?? Broker.Limits.defaultRetention
            settings.witnesses = witnesses.map { $0.client() }
            settings.agencyLogPolicy = agencyLogPolicy
            settings.webhookAllowPrivate = webhookAllowPrivate
            settings.webhookDelivery.trustPEM = try webhookCa.map(Self.trustRoots)
            settings.webhookDelivery.timeout = webhookTimeout
            settings.publicURL = publicUrl?.description
            settings.requireDPoP = requireDpop
            settings.apiKeys = !noApiKeys
            try connections.checked().apply(to: &settings)
            try await buildBroker(settings, logger: logger).run(logger: logger, beside: traces.map { [$0] } ?? [])
        }
    }
}

func makeLogger(_ label: String, level: Logger.Level?) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level ?? .info
    return logger
}
