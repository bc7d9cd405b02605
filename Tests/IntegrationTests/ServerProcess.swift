import CurlHTTP
import DevPKI
import Foundation
import SamtykkeApp
import SamtykkeJOSE
import Synchronization

/// A `samtykke` server run as its own process, as an operator runs it: for crash and shutdown tests
/// that must kill it for real.
final class ServerProcess: Sendable {
    let arguments: [String]
    let port: Int
    private let process = Mutex<Process?>(nil)

    init(_ arguments: [String], port: Int) {
        self.arguments = arguments
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func start(environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = Package.binary
        process.arguments = arguments
        process.currentDirectoryURL = Package.root
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SAMTYKKE_") }.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
    }

    /// Sends `signal` and waits for the process to end; returns its exit status.
    @discardableResult
    func stop(signal: Int32) async -> Int32 {
        guard let process = process.withLock({ $0 }) else { return -1 }
        kill(process.processIdentifier, signal)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return process.terminationStatus
    }

    var pid: Int32? { process.withLock { $0?.processIdentifier } }

    /// Polls `path` until it answers 200 (plain HTTP) or the process has been given `timeout`.
    func waitUntilReady(path: String = "/readyz", timeout: Duration = .seconds(30)) async throws {
        let client = Caller(server: url, credential: nil)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let answer = try? await client.send("GET", path), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcessError("\(arguments.first ?? "server") did not become ready on port \(port)")
    }

    /// A loopback port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ServerProcessError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The mock agency and the broker as separate processes over a fresh dev PKI, with one bank
/// registered: the setup of every test that must signal a real broker process.
struct ProcessStack {
    let paths: PKIPaths
    let store: StoreLocation
    let agency: ServerProcess
    /// One broker, or several instances on one PostgreSQL database.
    let brokers: [ServerProcess]
    var broker: ServerProcess { brokers[0] }
    let bankOrg = "986352325"
    let bankKey: String

    /// `brokerArguments` go to every `serve` after the §7 flags.
    static func start(
        in dir: URL, agencyFaults: String? = nil, store given: StoreLocation? = nil, brokers count: Int = 1, brokerArguments: [String] = []
    ) async throws -> ProcessStack {
        let pki = dir.appendingPathComponent("pki")
        let store = try given ?? TestBackend.store(in: dir)
        let paths = try DevPKI.make(in: pki)
        let key = try await runCLI(["bank", "add"] + TestBackend.flags(store) + ["--org", "986352325", "--name", "Process Bank"])
        guard key.status == 0 else { throw ServerProcessError("bank add failed: \(key.stderr)") }

        let agencyPort = try ServerProcess.freePort()
        let brokerPorts = try (0..<count).map { _ in try ServerProcess.freePort() }
        let agency = ServerProcess(
            ["mock-tax-agency", "--port", "\(agencyPort)", "--pki", pki.path, "--fixtures", Package.fixtures]
                + (agencyFaults.map { ["--faults", $0] } ?? []),
            port: agencyPort
        )
        try agency.start()
        try await waitForAgency(port: agencyPort, paths: paths)
        var brokers: [ServerProcess] = []
        for port in brokerPorts {
            let broker = ServerProcess(
                ["serve", "--port", "\(port)"] + TestBackend.flags(store) + ["--pki", pki.path, "--tax-agency", "https://127.0.0.1:\(agencyPort)"]
                    + brokerArguments,
                port: port
            )
            try broker.start()
            try await broker.waitUntilReady()
            brokers.append(broker)
        }
        return ProcessStack(paths: paths, store: store, agency: agency, brokers: brokers, bankKey: key.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The agency's health route answers only over mutual TLS, so readiness is polled with the broker's certificate.
    static func waitForAgency(port: Int, paths: PKIPaths) async throws {
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(1), totalTimeout: .seconds(2), tls: CurlTLSConfiguration(
                caFile: paths.caCertificate.path, clientCertificateFile: paths.brokerClientCertificate.path, clientKeyFile: paths.brokerClientKey.path
            ), maxConcurrentRequests: 1, allowedProtocols: .https, userAgent: "samtykke-tests"
        ))
        for _ in 0..<300 {
            if let answer = try? await client.execute(.get("https://127.0.0.1:\(port)/healthz")), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcessError("the mock agency did not start")
    }

    /// Runs `body` with a started stack and always waits for every process to stop afterwards, so no
    /// server outlives its test.
    static func with<T>(
        in dir: URL, agencyFaults: String? = nil, store: StoreLocation? = nil, brokers: Int = 1, brokerArguments: [String] = [],
        _ body: (ProcessStack) async throws -> T
    ) async throws -> T {
        let stack = try await start(in: dir, agencyFaults: agencyFaults, store: store, brokers: brokers, brokerArguments: brokerArguments)
        do {
            let result = try await body(stack)
            await stack.stop()
            return result
        } catch {
            await stack.stop()
            throw error
        }
    }

    /// Stops every process: brokers with SIGTERM (their exit statuses are returned), then the agency.
    @discardableResult
    func stop() async -> [Int32] {
        var statuses: [Int32] = []
        for broker in brokers { statuses.append(await broker.stop(signal: SIGTERM)) }
        await agency.stop(signal: SIGTERM)
        return statuses
    }

    func idToken(for person: String) async throws -> String {
        try await DevIDProvider(signer: try await ES256Signer(privateKey: KeyFiles.p256(paths.idProviderKey.path))).mint(pid: person, lifetime: IDTokenVerifier.Configuration.defaultMaximumLifetime)
    }
}
