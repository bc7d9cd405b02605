import ArgumentParser
import DevPKI
import Foundation
import Hummingbird
import LogRelease
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
    @Option(help: "Release only against the broker's witnessed log (SPEC §5): a C2SP tlog-policy file naming the log's key, the witnesses and the quorum.")
    var logPolicy: String?
    @Option(help: "The broker's public tlog-tiles base, <broker>/v1/audit/tlog (default: the URL on the policy's log line).")
    var log: String?
    @Option(help: "Where the log monitor and the release ledger keep their state across restarts (default agency-log-state).")
    var logState: String?

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
        try Env.fill(&logPolicy, "log-policy")
        try Env.fill(&log, "log")
        try Env.fill(&logState, "log-state")
        if logPolicy == nil, log != nil || logState != nil { throw ValidationError("--log and --log-state need --log-policy") }
    }

    /// `--log-policy`'s gate: the policy read strictly (an unknown line stops the agency here), the
    /// monitor's state loaded, the tiles read from `--log` or the policy's log URL.
    private func releaseGate() throws -> ReleaseGate? {
        guard let logPolicy else { return nil }
        guard let bytes = FileManager.default.contents(atPath: logPolicy) else { throw CLIError("--log-policy \(logPolicy) cannot be read") }
        let policy: LogPolicy
        do { policy = try LogPolicy(parsing: Array(bytes)) } catch { throw CLIError("--log-policy \(logPolicy): \(error)") }
        guard let base = log ?? policy.logs.first?.url else { throw CLIError("--log-policy needs --log URL (its log line names none)") }
        do {
            return try ReleaseGate(policy: policy, fetcher: CurlTileFetcher(base: base), stateDirectory: logState ?? "agency-log-state")
        } catch {
            throw CLIError("--log-policy \(logPolicy): \(error)")
        }
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
                faults: FaultSwitch(faults ?? .none),
                release: try releaseGate()
            )
            let logger = makeLogger("samtykke.mock-tax-agency", level: logLevel)
            let app = try await buildMockTaxAgency(configuration, logger: logger) { port in
                logger.notice("mock tax agency listening", metadata: ["url": "https://\(host):\(port)", "releaseAgainstLog": "\(logPolicy != nil)"])
            }
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        }
    }
}
