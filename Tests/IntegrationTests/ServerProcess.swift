import CurlHTTP
import DevPKI
import Foundation
import ChildProcess
import TestSupport
import SamtykkeApp
import SamtykkeJOSE
import Synchronization

extension ServerProcess {
    /// A `samtykke` server command (`serve`, `mock-tax-agency`, `witness serve`) as its own process,
    /// as an operator runs it: for crash and shutdown tests that must kill it for real.
    /// `port` only for a server its peers must know before it starts.
    convenience init(_ arguments: [String], port: Int? = nil) {
        self.init(
            name: arguments.prefix(2).joined(separator: " "), executable: Package.binary.path, arguments: arguments, port: port,
            cwd: Package.root.path
        )
    }

    /// Starts the server, runs `body`, and always waits for the server to stop (SIGTERM) before returning.
    func running<T>(environment: [String: String] = [:], _ body: () async throws -> T) async throws -> T {
        try start(environment: environment)
        return try await withCleanup(body) { await stop() }
    }

    /// Waits for the server to listen, then polls `path` until it answers 200 (plain HTTP), or, for
    /// `/readyz`, until the database is ready (a test may point the broker at an agency that is down
    /// on purpose), giving up at once if the process ends.
    func waitUntilReady(path: String = "/readyz", timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        try await waitUntilListening(timeout: timeout)
        let client = Caller(server: url, credential: nil)
        while ContinuousClock.now < deadline && isRunning {
            if let answer = try? await client.send("GET", path), answer.status == 200 || answer.json["database"] as? String == "ok" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError("\(name) on port \(port) \(isRunning ? "did not answer 200 on \(path)" : "ended"):\n\(logTail())")
    }
}

/// The mock agency and the broker as separate processes over a copy of the test process's dev PKI, with one bank
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
        let store = if let given { given } else { try await TestBackend.store(in: dir) }
        let paths = try await TestPKI.copyOfMain(at: pki)
        let key = try await runCLI(["bank", "add"] + TestBackend.flags(store) + ["--org", "986352325", "--name", "Process Bank"])
        guard key.status == 0 else { throw ChildProcessError("bank add failed: \(key.stderr)") }

        let agency = ServerProcess(
            ["mock-tax-agency", "--pki", pki.path, "--fixtures", Package.fixtures] + (agencyFaults.map { ["--faults", $0] } ?? [])
        )
        try agency.start()
        // Its "listening" line comes once it has bound: it answers from then on.
        let agencyURL = try await agency.waitUntilListening()
        var brokers: [ServerProcess] = []
        for _ in 0..<count {
            let broker = ServerProcess(["serve"] + TestBackend.flags(store) + ["--pki", pki.path, "--tax-agency", agencyURL] + brokerArguments)
            try broker.start()
            try await broker.waitUntilReady()
            brokers.append(broker)
        }
        return ProcessStack(paths: paths, store: store, agency: agency, brokers: brokers, bankKey: key.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs `body` with a started stack and always waits for every process to stop afterwards, so no
    /// server outlives its test.
    static func with<T>(
        in dir: URL, agencyFaults: String? = nil, store: StoreLocation? = nil, brokers: Int = 1, brokerArguments: [String] = [],
        _ body: (ProcessStack) async throws -> T
    ) async throws -> T {
        let stack = try await start(in: dir, agencyFaults: agencyFaults, store: store, brokers: brokers, brokerArguments: brokerArguments)
        return try await withCleanup { try await body(stack) } cleanup: { await stack.stop() }
    }

    /// Stops every process: brokers with SIGTERM (their exit statuses are returned), then the agency.
    @discardableResult
    func stop() async -> [Int32?] {
        var statuses: [Int32?] = []
        for broker in brokers { statuses.append(await broker.stop()) }
        await agency.stop()
        return statuses
    }

    func idToken(for person: String) async throws -> String {
        try DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(paths.idProviderKey.path))).mint(pid: person, lifetime: IDTokenVerifier.Configuration.defaultMaximumLifetime)
    }
}
