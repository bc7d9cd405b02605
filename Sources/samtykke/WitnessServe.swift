import ArgumentParser
import Foundation
import Logging
import Hummingbird
import TransparencyLog
import Witness

extension WitnessCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve POST /add-checkpoint (C2SP tlog-witness) until SIGTERM or SIGINT.",
            discussion: "The last checkpoint cosigned for each log is kept under --state and fsynced before each answer."
        )

        @Option(help: "Address to listen on (default 127.0.0.1).")
        var host: String?
        @Option(help: "Port to listen on (default 8090; 0 picks a free one).")
        var port: Int?
        @OptionGroup var identity: Identity
        @Option(help: "A log's verifier key (its name is the log's origin); repeatable.")
        var log: [String] = []
        @Option(help: "Directory for the witness's state (created if missing).")
        var state: String?
        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: Logger.Level?

        static let defaultPort = 8090

        mutating func validate() throws {
            try Env.fill(&host, "host")
            try Env.fill(&port, "port")
            _ = try listenPort(port, default: Self.defaultPort)
            try Env.fill(&log, "log") { $0 }
            try Env.require(&state, "state")
            try Env.fill(&logLevel, "log-level")
            try Env.present(log.first, "log")
            _ = try logs()
        }

        func logs() throws -> [NoteVerifier] {
            try log.map { key in
                do {
                    return try NoteVerifier(verifierKey: key.trimmingCharacters(in: .whitespacesAndNewlines))
                } catch {
                    throw ValidationError("--log \(key) is not a log's verifier key: \(error)")
                }
            }
        }

        func run() async throws {
            try await reportingErrors {
                let host = host ?? "127.0.0.1"
                let signer = try identity.signer()
                let witness = try Witness(signer: signer, logs: try logs(), stateDirectory: state!)
                let logger = makeLogger("samtykke.witness", level: logLevel)
                FileHandle.standardError.write(Data("witness key: \(signer.verifierKey)\n".utf8))
                let app = buildWitnessServer(witness, host: host, port: try listenPort(port, default: Self.defaultPort), logger: logger) { port in
                    logger.notice("witness listening", metadata: ["url": "http://\(host):\(port)"])
                }
                try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            }
        }
    }
}
