import ArgumentParser
import DevOpenIDProvider
import DevPKI
import Foundation
import Hummingbird
import Logging

extension Dev {
    struct IDProvider: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "id-provider",
            abstract: "An OpenID provider for development, like ID-porten's test login: https://127.0.0.1:PORT on the dev CA.",
            discussion: """
                Clients: samtykke-broker (client_secret_basic, its secret in the PKI's id-client-secret) and samtykke-cli \
                (public, PKCE S256). Redirect URIs on loopback hosts only. Whoever types a synthetic national identity \
                number on its login page is logged in as that person: never for production.
                """
        )

        @Option(help: "Port to listen on (default 8444; 0 picks a free one). The issuer is https://127.0.0.1:PORT.")
        var port: Int?
        @Option(help: "A dev PKI from `samtykke dev pki`.")
        var pki: String?
        @Option(help: "A fixtures directory (e.g. Fixtures/): its people.json's people are suggested on the login page.")
        var fixtures: String?
        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: Logger.Level?

        static let defaultPort = 8444

        mutating func validate() throws {
            try Env.fill(&port, "port")
            _ = try listenPort(port, default: Self.defaultPort)
            try Env.require(&pki, "pki")
            try Env.fill(&fixtures, "fixtures")
            try Env.fill(&logLevel, "log-level")
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try DevOpenIDProviderConfiguration(
                    port: try listenPort(port, default: Self.defaultPort),
                    pki: PKIPaths(directory: URL(fileURLWithPath: pki!)),
                    fixtures: fixtures.map { URL(fileURLWithPath: $0) }
                )
                let logger = makeLogger("samtykke.dev-id-provider", level: logLevel)
                let app = try await buildDevOpenIDProvider(configuration, logger: logger, onServerRunning: { issuer in
                    logger.notice("dev ID provider listening", metadata: ["url": "\(issuer)"])
                })
                try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            }
        }
    }
}
