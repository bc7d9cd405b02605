import DevPKI
import Foundation
import Hummingbird
import LogRelease
import Logging
import MockTaxAgency
import SamtykkeApp
import SamtykkeJOSE
import SamtykkeServer
import ServiceLifecycle
import Witness

/// The mock agency and the broker running in this process on free loopback ports, over a dev PKI:
/// what `samtykke demo` shows and what the integration tests drive. Both shut down gracefully when
/// `body` returns or throws.
public struct LocalStack: Sendable {
    /// The broker's port is known only once it listens, so bundles and consent tokens name a fixed
    /// local issuer, and the agency is told to expect it.
    public static let brokerIssuer = PKIPaths.devBrokerIssuer
    /// The key name of the witness a stack that releases against the log runs.
    public static let witnessName = LocalRelease.witnessName

    public let paths: PKIPaths
    public let agencyURL: String
    public let brokerURL: String
    public let broker: BuiltBroker
    /// What reached the agency's data route.
    public let agencyTraffic: AgencyTraffic
    /// With release against the log: the policy file the broker and the agency share, and the
    /// agency's gate (its monitor and ledger).
    public var logPolicy: String? = nil
    public var releaseGate: ReleaseGate? = nil

    /// `store` defaults to SQLite in `work/data`. `releaseAgainstLog` adds a witness on loopback, has
    /// the broker log each fetch and wait for its cosignature, and the agency release only against
    /// that log (SPEC §5).
    public static func run<T: Sendable>(
        work: URL,
        fixtures: String,
        store location: StoreLocation? = nil,
        logLevel: Logger.Level = .critical,
        agencyFaults: FaultSwitch = FaultSwitch(),
        agencyTraffic: AgencyTraffic = AgencyTraffic(),
        releaseAgainstLog: Bool = false,
        customize: @Sendable (inout BrokerSettings) -> Void = { _ in },
        _ body: @Sendable (LocalStack) async throws -> T
    ) async throws -> T {
        let pkiDirectory = work.appendingPathComponent("pki")
        let paths = FileManager.default.fileExists(atPath: PKIPaths(directory: pkiDirectory).caCertificate.path)
            ? PKIPaths(directory: pkiDirectory)
            : try await DevPKI.make(in: pkiDirectory)
        var logger = Logger(label: "samtykke.local")
        logger.logLevel = logLevel
        // The demo and the tests mint hour-long dev tokens, and some tests move the broker's
        // clock that far ahead; `serve` keeps the ten-minute cap.
        var settings = BrokerSettings(
            store: location ?? .sqlite(directory: work.appendingPathComponent("data").path), pki: paths.directory.path,
            idTokenMaxLifetime: DevIDProvider.defaultLifetime
        )
        settings.server = ServerOptions(port: 0)
        customize(&settings)
        let release = try releaseAgainstLog ? LocalRelease(work: work, logVerifierKey: settings.logSigner().verifierKey) : nil

        let (agencyPorts, agencyPort) = AsyncStream.makeStream(of: Int.self)
        let agency = try await buildMockTaxAgency(MockTaxAgencyConfiguration(
            port: 0,
            certificateChain: paths.agencyCertificate.path,
            privateKey: paths.agencyKey.path,
            clientCA: paths.caCertificate.path,
            brokerKeys: JWKSet(keys: [PublicJWK(try KeyFiles.p256PublicKey(paths.bundleSigningPublicKey.path))]),
            brokerIssuer: brokerIssuer,
            fixtures: fixtures,
            faults: agencyFaults,
            traffic: agencyTraffic,
            release: release?.gate
        ), logger: logger) { port in agencyPort.yield(port) }
        let (witnessPorts, witnessPort) = AsyncStream.makeStream(of: Int.self)
        let witness = release.map { buildWitnessServer($0.witness, port: 0, logger: logger) { port in witnessPort.yield(port) } }
        let agencyGroup = ServiceGroup(configuration: .init(services: [agency] + (witness.map { [$0] } ?? []), gracefulShutdownSignals: [], logger: logger))

        return try await withThrowingTaskGroup(of: Void.self) { group in
            // A service that fails to start ends its port stream, so nobody waits for a port forever.
            group.addTask {
                defer {
                    agencyPort.finish()
                    witnessPort.finish()
                }
                try await agencyGroup.run()
            }
            var agencyIterator = agencyPorts.makeAsyncIterator()
            guard let agencyPortNumber = await agencyIterator.next() else {
                try await group.waitForAll()
                throw LocalStackError.agencyDidNotStart
            }
            let agencyURL = "https://127.0.0.1:\(agencyPortNumber)"
            var settings = settings
            settings.taxAgency = agencyURL
            if let release {
                var witnessIterator = witnessPorts.makeAsyncIterator()
                guard let port = await witnessIterator.next() else {
                    try await group.waitForAll()
                    throw LocalStackError.witnessDidNotStart
                }
                settings.witnesses = [release.witnessClient(url: "http://127.0.0.1:\(port)")]
                settings.agencyLogPolicy = release.policyPath
            }
            var brokerGroup: ServiceGroup?
            do {
                let (brokerPorts, brokerPort) = AsyncStream.makeStream(of: Int.self)
                let broker = try await buildBroker(settings, logger: logger) { port in brokerPort.yield(port) }
                let app = broker.application
                let started = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
                brokerGroup = started
                group.addTask {
                    defer { brokerPort.finish() }
                    try await started.run()
                }
                var brokerIterator = brokerPorts.makeAsyncIterator()
                guard let port = await brokerIterator.next() else { throw LocalStackError.brokerDidNotStart }
                release?.tiles.start(base: "http://127.0.0.1:\(port)/v1/audit/tlog")
                var stack = LocalStack(paths: paths, agencyURL: agencyURL, brokerURL: "http://127.0.0.1:\(port)", broker: broker, agencyTraffic: agencyTraffic)
                stack.logPolicy = release?.policyPath
                stack.releaseGate = release?.gate
                let result = try await body(stack)
                await brokerGroup?.triggerGracefulShutdown()
                await agencyGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await brokerGroup?.triggerGracefulShutdown()
                await agencyGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

public enum LocalStackError: Error, Hashable, CustomStringConvertible {
    case agencyDidNotStart
    case brokerDidNotStart
    case witnessDidNotStart

    public var description: String {
        switch self {
        case .agencyDidNotStart: "the mock agency did not start"
        case .brokerDidNotStart: "the broker did not start"
        case .witnessDidNotStart: "the witness did not start"
        }
    }
}
