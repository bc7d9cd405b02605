import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SamtykkeApp
import SamtykkeServer
import ServiceLifecycle

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
    @Option(name: .customLong("witness"), help: "A C2SP tlog-witness to submit every checkpoint to, URL=VKEY (VKEY from `samtykke witness key`); repeatable.")
    var witnesses: [String] = []
    @Flag(help: "Accept webhook targets on loopback, link-local and private addresses (development and tests only).")
    var webhookAllowPrivate = false
    @Option(help: "PEM file of CA certificates trusted, beside the system's, for banks' webhook endpoints.")
    var webhookCa: String?
    @Option(help: "Seconds a webhook endpoint has to answer one delivery (default 10); a delivery in flight when a broker dies is tried again after twice this.")
    var webhookTimeout: Int?
    @Option(help: "How long after a consent ended (denied, revoked, withdrawn, expired, used up) its personal data stays in the live tables: days or hours, e.g. 400d or 12h (default 90d). The consent log keeps its history regardless.")
    var retention: String?
    @OptionGroup(title: "Connections and floods") var connections: ConnectionFlags

    /// The settings that can be judged before anything is opened (the numbers, the log level, the
    /// JWKS source), each from its flag or the environment, so a bad one stops the broker before it
    /// starts rather than at the first request (a zero rate divided by zero there).
    private func checked() throws -> (port: Int, rate: RateLimiter.Rule, logLevel: Logger.Level?, logFormat: LogFormat, witnesses: [WitnessFlag]) {
        let port = try Env.integer("port", port, default: 8080)
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535, not \(port)") }
        func amount(_ flag: String, _ given: Int?, default fallback: Int) throws -> RateLimiter.Rule.Amount {
            let value = try Env.integer(flag, given, default: fallback)
            guard value >= 1, let amount = RateLimiter.Rule.Amount(Double(value)) else {
                throw ValidationError("--\(flag) must be at least 1, not \(value)")
            }
            return amount
        }
        let rate = RateLimiter.Rule(perSecond: try amount("rate-per-second", ratePerSecond, default: 50), burst: try amount("rate-burst", rateBurst, default: 200))
        if let jwks = Env.value("id-jwks", broker.idJwks) { try JWKSSource.validate(jwks) }
        return (port, rate, try Env.parsed("log-level", logLevel), try Env.parsed("log-format", logFormat) ?? .text, try witnesses.map(WitnessFlag.init))
    }

    func validate() throws {
        _ = try checked()
        if let file = Env.value("webhook-ca", webhookCa) { _ = try Self.trustRoots(file) }
        _ = try webhookSeconds()
        _ = try retentionSeconds()
    }

    private func retentionSeconds() throws -> TimeInterval {
        try Env.value("retention", retention).map(RetentionPeriod.seconds) ?? Broker.Limits.defaultRetention
    }

    private func webhookSeconds() throws -> Int {
        let seconds = try Env.integer("webhook-timeout", webhookTimeout, default: 10)
        guard (1...60).contains(seconds) else { throw ValidationError("--webhook-timeout must be 1–60 seconds, not \(seconds)") }
        return seconds
    }

    /// The file's bytes, once they are seen to hold at least one PEM certificate.
    static func trustRoots(_ file: String) throws -> [UInt8] {
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw ValidationError("--webhook-ca \(file) cannot be read")
        }
        guard String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw ValidationError("--webhook-ca \(file) holds no PEM certificate")
        }
        return Array(bytes)
    }

    func run() async throws {
        try await reportingErrors {
            let host = Env.value("host", host) ?? "127.0.0.1"
            let (port, rate, logLevel, logFormat, witnesses) = try checked()
            // Before the first logger exists: every logger made after this writes the chosen format.
            if logFormat == .json { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
            let logger = makeLogger("samtykke.broker", level: logLevel)
            var (built, store) = try await broker.settings.makeBroker(publicURL: "http://\(host):\(port)", logger: logger)
            built.limits.rate = rate
            built.witnesses = witnesses.map { $0.client() }
            built.webhookAllowPrivate = try Env.parsed("webhook-allow-private", webhookAllowPrivate ? true : nil) ?? false
            built.webhookDelivery.trustPEM = try Env.value("webhook-ca", webhookCa).map(Self.trustRoots)
            built.webhookDelivery.timeout = .seconds(try webhookSeconds())
            built.limits.retention = try retentionSeconds()
            var options = ServerOptions(host: host, port: port)
            try connections.checked().apply(to: &options, &built)
            let app = buildApplication(
                broker: built, options: options, logger: logger,
                storeServices: store.services, prepare: store.prepare
            ) { port in
                logger.notice("broker listening", metadata: ["url": "http://\(host):\(port)"])
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        }
    }
}

func makeLogger(_ label: String, level: Logger.Level?) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level ?? .info
    return logger
}
