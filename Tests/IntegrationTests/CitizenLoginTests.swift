import ChildProcess
import CurlHTTP
import Foundation
import SamtykkeApp
import TestSupport
import Testing

/// `samtykke login` and `logout` (issue 29.7, SPEC §2b) as a citizen runs them: the broker sends the
/// CLI to its ID provider (ours, and the independent one on Authlib), the test plays the browser
/// (`scripts/oidc-client.py browse`), and the consent commands then work with neither a token nor
/// a server; after logout, or with a session the broker no longer knows, they say to log in.
@Suite(.heavy) struct CitizenLoginTests {
    enum Provider: String, CaseIterable, Sendable { case dev, python }

    @Test(arguments: Provider.allCases)
    func aCitizenLogsInGrantsAndLogsOutWithoutEverHandlingAToken(_ kind: Provider) async throws {
        try await withTemporaryDirectory { dir in
            let provider = switch kind {
            case .dev: try await OpenIDTestProvider.dev(binary: Package.binary, pki: try await TestPKI.main.value)
            case .python: try await OpenIDTestProvider.python(try await TestPython.executable, in: dir.appendingPathComponent("provider"))
            }
            try await withCleanup {
                let jwks = dir.appendingPathComponent("jwks.json")
                let keys = try await CurlClient(configuration: CurlClientConfiguration(tls: CurlTLSConfiguration(caFile: provider.caFile)))
                    .execute(.get(provider.issuer + "/jwks"))
                try Data(keys.body).write(to: jwks)
                try await ConsentFlowTests.withStack(customize: { settings in
                    settings.idIssuer = provider.issuer
                    settings.idJwks = .file(jwks.path)
                    settings.idAudience = OpenIDTestProvider.brokerClientID
                }) { run in
                    try await Self.walk(run, provider: provider, config: dir.appendingPathComponent("config"))
                }
            } cleanup: {
                await provider.stop()
            }
        }
    }

    static func walk(_ run: ConsentFlowTests.Running, provider: OpenIDTestProvider, config: URL) async throws {
        let person = try ConsentFlowTests.person
        let id = try await run.createConsent(for: person)
        let environment = ["XDG_CONFIG_HOME": config.path]
        let sessionFile = config.appendingPathComponent("samtykke/session.json")

        let login = try await Self.login(server: run.stack.brokerURL, provider: provider, person: person, environment: environment)
        #expect(login.contains("Logged in at \(run.stack.brokerURL)"), "\(login)")
        let mode = try FileManager.default.attributesOfItem(atPath: sessionFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOf: sessionFile, encoding: .utf8).contains(run.stack.brokerURL))

        let listed = try await runCLI(["consent", "list"], environment: environment)
        #expect(listed.status == 0 && listed.stdout.contains(id) && listed.stdout.contains("pending"), "\(listed)")
        let granted = try await runCLI(["consent", "grant", id, "--yes"], environment: environment)
        #expect(granted.status == 0, "\(granted)")
        #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["status"] as? String == "active")

        let loggedOut = try await runCLI(["logout"], environment: environment)
        #expect(loggedOut.status == 0 && loggedOut.stdout.contains("Logged out."), "\(loggedOut)")
        #expect(!FileManager.default.fileExists(atPath: sessionFile.path))
        let after = try await runCLI(["consent", "list"], environment: environment)
        #expect(after.status != 0 && after.stderr.contains("samtykke login"), "\(after)")

        // A session the broker no longer knows (ended, or expired after 30 minutes): a 401, told in words.
        _ = try await Self.login(server: run.stack.brokerURL, provider: provider, person: person, environment: environment)
        let kept = try String(contentsOf: sessionFile, encoding: .utf8)
        _ = try await runCLI(["logout"], environment: environment)
        try FileManager.default.createDirectory(at: sessionFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try kept.write(to: sessionFile, atomically: true, encoding: .utf8)
        let ended = try await runCLI(["consent", "list"], environment: environment.merging(["LANG": "nb_NO.UTF-8"]) { $1 })
        #expect(ended.status != 0 && ended.stderr.contains("Innloggingen din er avsluttet") && ended.stderr.contains("samtykke login"), "\(ended)")
    }

    /// Runs `samtykke login` as its own process, opens the address it prints as a browser would, logs
    /// in as `person`, and returns what the CLI printed once it ended.
    static func login(server: String, provider: OpenIDTestProvider, person: String, environment: [String: String]) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("login-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let pid = try Spawn.start(
            Package.binary.path, ["login", "--server", server, "--id-ca", provider.caFile], cwd: Package.root.path,
            environment: Command.cleanEnvironment().merging(plainTerminal.merging(environment) { $1 }) { $1 }.merging(["BROWSER": "", "PATH": "/nonexistent"]) { $1 },
            stdout: output.path, stderr: nil
        )
        let deadline = ContinuousClock.now + .seconds(30)
        var url: String?
        while url == nil, ContinuousClock.now < deadline, Spawn.poll(pid) == nil {
            url = (try? String(contentsOf: output, encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("https://") }.map(String.init)
            if url == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let address = try #require(url, "samtykke login printed no address: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        #expect(address.hasPrefix(provider.issuer + "/authorize?") && address.contains("code_challenge_method=S256") && address.contains("redirect_uri=http://127.0.0.1:"))
        let browsed = try await TestPython.run([OpenIDProviderTests.client, "browse", address, provider.caFile, person])
        #expect(browsed.status == 0, "\(browsed.stderr)")
        #expect(browsed.stdout.contains("return to the terminal"), "the browser is told to go back: \(browsed.stdout)")
        let status = await Spawn.waitAsync(pid)
        let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(printed)")
        return printed
    }
}
