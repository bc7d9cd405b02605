import ArgumentParser
import DevPKI
import Foundation
import Hummingbird
import Logging
import MockTaxAgency
import Crypto
import SamtykkeJOSE

struct MockTaxAgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-tax-agency",
        abstract: "Serve Fixtures/ over HTTPS, demanding a client certificate from the dev CA."
    )

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on (default 8443; 0 picks a free one).")
    var port: Int?
    @Option(help: "A dev PKI from `samtykke dev pki`.")
    var pki: String?
    @Option(help: "The people file (default Fixtures/people.json).")
    var fixtures: String?
    @Option(help: "`aud` that consent tokens must carry.")
    var audience: String?
    @Option(help: "`iss` that consent tokens must carry: the broker's --issuer (default \(PKIPaths.devBrokerIssuer), what `samtykke serve --pki` uses).")
    var brokerIssuer: String?
    @Option(help: "Server certificate to present instead of the PKI's agency.pem (e.g. an expired one, to test the broker).")
    var certificate: String?
    @Option(help: "Its private key, mode 0600 (default: the PKI's agency.key).")
    var privateKey: String?
    @Option(help: "Faults to inject, e.g. latency=300ms,error=0.2,reset=0.1,malformed=0.1,slow-body=2s.")
    var faults: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?

    func run() async throws {
        try await reportingErrors {
            let paths = PKIPaths(directory: URL(fileURLWithPath: try Env.require("pki", pki)))
            let host = Env.value("host", host) ?? "127.0.0.1"
            let port = try Env.integer("port", port, default: 8443)
            let privateKey = Env.value("private-key", privateKey) ?? paths.agencyKey.path
            try KeyFiles.requirePrivate(privateKey)
            let brokerKey = try P256PublicKeyFile.read(paths.bundleSigningPublicKey.path)
            let configuration = MockTaxAgencyConfiguration(
                host: host,
                port: port,
                certificateChain: Env.value("certificate", certificate) ?? paths.agencyCertificate.path,
                privateKey: privateKey,
                clientCA: paths.caCertificate.path,
                brokerKeys: JWKSet(keys: [PublicJWK(brokerKey)]),
                brokerIssuer: Env.value("broker-issuer", brokerIssuer) ?? PKIPaths.devBrokerIssuer,
                audience: Env.value("audience", audience) ?? BrokerSettings.defaultAgencyAudience,
                fixtures: Env.value("fixtures", fixtures) ?? "Fixtures/people.json",
                faults: FaultSwitch(try AgencyFaults(parsing: Env.value("faults", faults) ?? ""))
            )
            let logger = makeLogger("samtykke.mock-tax-agency", level: try Env.parsed("log-level", logLevel))
            let app = try await buildMockTaxAgency(configuration, logger: logger) { port in
                logger.notice("mock tax agency listening", metadata: ["url": "https://\(host):\(port)"])
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        }
    }
}

enum P256PublicKeyFile {
    static func read(_ path: String) throws -> P256.Signing.PublicKey {
        do {
            return try P256.Signing.PublicKey(pemRepresentation: KeyFiles.read(path))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(path) is not a PEM P-256 public key")
        }
    }
}
