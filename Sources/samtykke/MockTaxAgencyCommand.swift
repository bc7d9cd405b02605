import ArgumentParser
import DevPKI
import Foundation
import Hummingbird
import Logging
import MockTaxAgency
import SamtykkeApp
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
    @Option(help: "Faults to inject, e.g. latency=300ms,error=0.2,reset=0.1,malformed=0.1,slow-body=2s.", transform: AgencyFaults.init(parsing:))
    var faults: AgencyFaults?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?

    static let defaultPort = 8443

    mutating func validate() throws {
        try Env.fill(&host, "host")
        try Env.fill(&port, "port")
        _ = try listenPort(port, default: Self.defaultPort)
        try Env.require(&pki, "pki")
        try Env.fill(&privateKey, "private-key")
        try Env.fill(&certificate, "certificate")
        try Env.fill(&brokerIssuer, "broker-issuer")
        try Env.fill(&audience, "audience")
        try Env.fill(&fixtures, "fixtures")
        try Env.fill(&faults, "faults", AgencyFaults.init(parsing:))
        try Env.fill(&logLevel, "log-level")
    }

    func run() async throws {
        try await reportingErrors {
            let paths = PKIPaths(directory: URL(fileURLWithPath: pki!))
            let host = host ?? "127.0.0.1"
            let privateKey = privateKey ?? paths.agencyKey.path
            try KeyFiles.requirePrivate(privateKey)
            let brokerKey = try KeyFiles.p256PublicKey(paths.bundleSigningPublicKey.path)
            let configuration = MockTaxAgencyConfiguration(
                host: host,
                port: try listenPort(port, default: Self.defaultPort),
                certificateChain: certificate ?? paths.agencyCertificate.path,
                privateKey: privateKey,
                clientCA: paths.caCertificate.path,
                brokerKeys: JWKSet(keys: [PublicJWK(brokerKey)]),
                brokerIssuer: brokerIssuer ?? PKIPaths.devBrokerIssuer,
                audience: audience ?? BrokerSettings.defaultAgencyAudience,
                fixtures: fixtures ?? "Fixtures/people.json",
                faults: FaultSwitch(faults ?? .none)
            )
            let logger = makeLogger("samtykke.mock-tax-agency", level: logLevel)
            let app = try await buildMockTaxAgency(configuration, logger: logger) { port in
                logger.notice("mock tax agency listening", metadata: ["url": "https://\(host):\(port)"])
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        }
    }
}
