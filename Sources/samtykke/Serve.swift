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
    var logLevel: String?

    func run() async throws {
        try await reportingErrors {
            let host = Env.value("host", host) ?? "127.0.0.1"
            let port = try Env.integer("port", port, default: 8080)
            let logger = makeLogger("samtykke.broker", level: Env.value("log-level", logLevel))
            var (built, store) = try await broker.settings.makeBroker(publicURL: "http://\(host):\(port)", logger: logger)
            built.limits.rate = RateLimiter.Rule(
                perSecond: Double(try Env.integer("rate-per-second", ratePerSecond, default: 50)),
                burst: Double(try Env.integer("rate-burst", rateBurst, default: 200))
            )
            let app = buildApplication(
                broker: built, options: ServerOptions(host: host, port: port), logger: logger,
                storeServices: store.services, prepare: store.prepare
            ) { port in
                logger.notice("broker listening", metadata: ["url": "http://\(host):\(port)"])
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        }
    }
}

func makeLogger(_ label: String, level: String?) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level.flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}
