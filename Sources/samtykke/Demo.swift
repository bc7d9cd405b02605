import ArgumentParser
import BrokerClient
import DevPKI
import Foundation
import MockTaxAgency
import OwnThread
import SamtykkeAPI
import SamtykkeApp
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer

/// The whole flow on this machine, each step printed: a dev PKI, the mock agency and the broker on
/// free loopback ports, a bank, a consent granted and revoked through the citizen CLI, and a bundle
/// verified against the published keys and the log.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the whole consent flow end to end on this machine.")

    @Option(help: "The people file (default Fixtures/people.json).")
    var fixtures: String?
    @Option(help: "Keep the demo's files here instead of a temporary directory that is removed.")
    var keep: String?

    mutating func validate() throws {
        try Env.fill(&fixtures, "fixtures")
    }

    func run() async throws {
        try await reportingErrors {
            let fixtures = fixtures ?? "Fixtures/people.json"
            guard FileManager.default.fileExists(atPath: fixtures) else {
                throw CLIError("no fixtures at \(fixtures): run the demo from the repository root or pass --fixtures")
            }
            let work = URL(fileURLWithPath: keep ?? NSTemporaryDirectory()).appendingPathComponent(keep == nil ? "samtykke-demo-\(UUID().uuidString.prefix(8))" : "")
            defer { if keep == nil { try? FileManager.default.removeItem(at: work) } }
            try await DemoRun(work: work, fixtures: fixtures).run()
        }
    }
}

struct DemoRun {
    let work: URL
    let fixtures: String

    func step(_ text: String) { print("\n==> \(text)") }
    func detail(_ text: String) { print("    \(text)") }

    func run() async throws {
        step("Making a dev PKI (openssl) in \(work.appendingPathComponent("pki").path)")
        try await LocalStack.run(work: work, fixtures: fixtures) { stack in
            detail("CA, agency server certificate, broker client certificate, bundle/log/ID-provider keys")
            step("Mock tax agency listening on \(stack.agencyURL) (mutual TLS, dev CA only)")
            step("Broker listening on \(stack.brokerURL) (SQLite in \(work.appendingPathComponent("data").path))")
            try await walk(server: stack.brokerURL, broker: stack.broker, paths: stack.paths)
        }
    }

    func walk(server: String, broker: Broker, paths: PKIPaths) async throws {
        let org = try OrgNumber("986352325")
        let apiKey = try await broker.store.addBank(org: org, name: "Demo Sparebank", now: Date())
        step("Registered bank Demo Sparebank (\(org)); its API key is shown once and stored hashed")

        guard let person = try PeopleFixtures(contentsOf: fixtures).people.first else { throw CLIError("\(fixtures) holds no people") }
        let bank = BrokerClient(server: server, credential: apiKey.text)
        let year = Calendar.utc.component(.year, from: Date())
        let request: [String: Any] = [
            "personId": person.personId.digits,
            "scopes": ["income", "debt", "wealth"],
            "years": [year - 3, year - 2],
            "purpose": ["code": "loan-application", "text": "Mortgage application for a flat in Bergen"],
            "validUntil": RFC3339.string(from: Date().addingTimeInterval(7 * 86_400)),
            "maxUses": 3,
        ]
        let created = try await bank.post("/v1/consents", body: Array(try JSONSerialization.data(withJSONObject: request)), as: ConsentView.self)
        step("Bank asked \(person.name) (\(person.personId)) for consent")
        detail(created.line)

        let provider = DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(paths.idProviderKey.path)))
        let idToken = try provider.mint(pid: person.personId.digits)
        step("Citizen grants it with the CLI: samtykke consent grant \(created.id) --server \(server)")
        try await runCLI(["consent", "grant", created.id, "--server", server], idToken: idToken)

        step("Bank fetches a signed bundle (the broker calls the agency over mTLS with libcurl)")
        let issued = try await bank.post("/v1/consents/\(created.id)/bundles", as: BundleAnswer.self)
        detail("bundle: \(issued.bundle.prefix(60))… (\(issued.bundle.utf8.count) bytes, ES256)")
        detail("log entry #\(issued.auditReceipt.index) in a tree of \(issued.auditReceipt.treeSize)")

        step("Bank verifies the bundle against \(server)/.well-known/jwks.json and the log")
        let jwks = try JSONDecoder().decode(JWKSet.self, from: Data(try await BrokerClient(server: server, credential: nil).send("GET", "/.well-known/jwks.json")))
        let claims = try await JWSVerifier(jwks: jwks).verify(issued.bundle, as: BundleClaims.self, typ: BundleClaims.typ)
        detail("signature verifies with kid \(try JWSVerifier.header(of: issued.bundle).kid ?? "?")")
        for (year, figures) in claims.data.sorted(by: { $0.key < $1.key }) {
            detail("\(year): income \(figures.income?.total ?? 0) NOK, debt \(figures.debt?.total ?? 0) NOK, net wealth \(figures.wealth?.net ?? 0) NOK")
        }
        if !claims.notAssessed.isEmpty { detail("not assessed: \(claims.notAssessed.map(String.init).joined(separator: ", "))") }
        let logKey = String(decoding: try await BrokerClient(server: server, credential: nil).send("GET", "/v1/audit/log-key"), as: UTF8.self)
        try ReceiptCheck.verify(bundle: issued.bundle, receipt: issued.auditReceipt, logKey: logKey)
        detail("the receipt's inclusion proof and signed checkpoint hold; the entry carries the bundle's SHA-256")

        step("Citizen revokes: samtykke consent revoke \(created.id)")
        try await runCLI(["consent", "revoke", created.id, "--server", server], idToken: idToken)

        step("Bank asks again and is refused")
        do {
            _ = try await bank.post("/v1/consents/\(created.id)/bundles", as: BundleAnswer.self)
            throw CLIError("the broker issued a bundle for a revoked consent")
        } catch let problem as BrokerClient.Problem where problem.status == 409 {
            detail("\(problem)")
        }

        step("Citizen reads the log about them: samtykke consent log")
        try await runCLI(["consent", "log", "--server", server], idToken: idToken)

        step("Done: everything the demo started is stopped")
    }

    /// Runs this same executable as the citizen would, so the demo exercises the real CLI. The wait
    /// happens on a thread of its own: the broker answering the child runs on the threads Swift's
    /// tasks share.
    func runCLI(_ arguments: [String], idToken: String) async throws {
        let (status, text) = try await onOwnThread { () throws(any Error) in try runBlocking(arguments, idToken: idToken) }
        for line in text.split(separator: "\n") { detail("$ \(line)") }
        guard status == 0 else { throw CLIError("samtykke \(arguments.joined(separator: " ")) failed") }
    }

    private func runBlocking(_ arguments: [String], idToken: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SAMTYKKE_ID_TOKEN"] = idToken
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
