import ChildProcess
import Foundation
import SamtykkeApp
import TestSupport
import Testing

/// The citizen's hand-off in headless Chromium (issue 29.6, SPEC §2b): the mock agency, `samtykke
/// serve` with its OpenID login and the ID provider run as processes, and `scripts/browser-test.py`
/// (Selenium, axe-core) is the bank and the citizen's browser. Against our dev provider every case; against the
/// independent Python provider the login and a grant. `SAMTYKKE_SCREENSHOTS=DIR` also writes the
/// README's screenshots into DIR (relative to the package root).
@Suite(.heavy) struct BrowserTests {
    enum Provider: String, CaseIterable, Sendable { case dev, python }
    static let script = Package.root.appendingPathComponent("scripts/browser-test.py").path
    static let person = TestParties.person

    @Test(arguments: Provider.allCases)
    func aCitizenIsHandedOverGrantsDeniesAndRevokesInARealBrowser(_ kind: Provider) async throws {
        try await withTemporaryDirectory { dir in
            let python = try await TestPython.executable
            let provider = switch kind {
            case .dev: try await OpenIDTestProvider.dev(binary: Package.binary, pki: try await TestPKI.main.value)
            case .python: try await OpenIDTestProvider.python(python, in: dir.appendingPathComponent("provider"))
            }
            try await withCleanup {
                // The expired session is made by ending it in the SQLite file, whatever the suite's backend.
                let store = try await TestBackend.store(in: dir, .sqlite)
                let login = [
                    "--id-issuer", provider.issuer, "--id-client-id", OpenIDTestProvider.brokerClientID,
                    "--id-client-secret", provider.brokerClientSecret, "--id-ca", provider.caFile,
                ]
                try await ProcessStack.with(in: dir, store: store, brokerArguments: login) { stack in
                    let redirectPort = try ServerProcess.freePort()
                    let added = try await runCLI(
                        ["bank", "redirect", "add"] + TestBackend.flags(store) + ["--org", stack.bankOrg, "http://127.0.0.1:\(redirectPort)/return"]
                    )
                    #expect(added.status == 0, "\(added.stderr)")
                    var setup: [String: Any] = [
                        "broker": stack.broker.url, "issuer": provider.issuer, "bankKey": stack.bankKey, "redirectPort": redirectPort,
                        "person": Self.person, "otherPerson": TestParties.otherPerson, "mode": kind == .dev ? "full" : "login-grant",
                        "database": StoreLocation.sqliteFile(in: dir.appendingPathComponent("data").path),
                    ]
                    if kind == .dev, let shots = ProcessInfo.processInfo.environment["SAMTYKKE_SCREENSHOTS"], !shots.isEmpty {
                        setup["screenshots"] = URL(fileURLWithPath: shots, relativeTo: Package.root).path
                    }
                    let json = String(decoding: try JSONSerialization.data(withJSONObject: setup), as: UTF8.self)
                    let run = try await Command.run(python.path, [Self.script, json], cwd: Package.root.path)
                    #expect(run.status == 0, "\(run.stderr)")
                    let results = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
                    let bank = Caller(server: stack.broker.url, credential: stack.bankKey)
                    try await Self.expectHandOff(results, bank: bank, redirect: "http://127.0.0.1:\(redirectPort)/return", full: kind == .dev)
                }
            } cleanup: {
                await provider.stop()
            }
        }
    }

    static func expectHandOff(_ results: [String: Any], bank: Caller, redirect: String, full: Bool) async throws {
        let steps = results["steps"] as? [String: Any] ?? [:]
        let consents = results["consents"] as? [String: String] ?? [:]
        let returns = results["returns"] as? [[String: Any]] ?? []
        func step(_ name: String) -> [String: Any] { steps[name] as? [String: Any] ?? [:] }
        func status(_ id: String?) async throws -> String? { try await bank.send("GET", "/v1/consents/\(id ?? "")").json["status"] as? String }
        #expect(results["error"] == nil, "the walk broke off: \(results["error"] ?? "")")
        let granted = try #require(consents["granted"])

        #expect(steps["viewUriGoesToProvider"] as? Bool == true, "\(steps)")
        let page = step("consentPage")
        #expect(page["lang"] as? String == "en" && (page["text"] as? String)?.contains("Refinancing a mortgage") == true, "\(page)")
        #expect(steps["consentPageButtons"] as? [String] == ["grant", "deny"], "\(steps)")
        // Back at the bank, which fetched a bundle with the consent the citizen just granted.
        #expect(steps["afterGrant"] as? String == "\(redirect)?consentId=\(granted)&status=granted", "\(steps)")
        #expect(returns.first?["bundleStatus"] as? Int == 201, "\(returns)")
        let axe = results["axe"] as? [String: [[String: Any]]] ?? [:]
        #expect(!axe.isEmpty)
        for (name, violations) in axe {
            let serious = violations.filter { ["serious", "critical"].contains($0["impact"] as? String ?? "") }
            #expect(serious.isEmpty, "axe-core on \(name): \(serious)")
        }
        guard full else {
            #expect(try await status(granted) == "active")
            return
        }
        #expect(Set(axe.keys).isSuperset(of: [
            "provider login", "consent page (en)", "consent page (nb)", "unknown consent", "refused form", "me (nb)", "me (en)",
            "confirmation", "login failed", "logged out",
        ]), "\(axe.keys.sorted())")

        let denied = try #require(consents["denied"])
        #expect(step("consentPageNb")["lang"] as? String == "nb" && (step("consentPageNb")["text"] as? String)?.contains("Gi samtykke") == true, "\(step("consentPageNb"))")
        #expect(steps["afterDeny"] as? String == "\(redirect)?consentId=\(denied)&status=denied", "\(steps)")
        #expect(returns.count == 2 && returns.last?["bundleStatus"] == nil, "\(returns)")
        #expect(try await status(denied) == "denied")

        let other = step("otherPerson"), unknown = step("unknown")
        #expect(other["h1"] as? String != nil && other["h1"] as? String == unknown["h1"] as? String && other["text"] as? String == unknown["text"] as? String, "\(other) \(unknown)")
        #expect(try await status(consents["other"]) == "pending")

        #expect((steps["forgedPurpose"] as? String)?.contains("Kredittsjekk <b>&amp;</b> æøå") == true, "the purpose is shown as text: \(steps)")
        let refused = step("forgedCSRF")
        #expect(refused["h1"] as? String == "The form has expired", "\(refused)")
        #expect(try await status(consents["forged"]) == "pending")

        #expect(step("meNb")["lang"] as? String == "nb" && step("meEn")["lang"] as? String == "en")
        let afterRevoke = step("afterRevoke")
        #expect((afterRevoke["url"] as? String)?.hasPrefix(bank.server + "/consent/\(granted)") == true, "a revoke stays on the broker: \(afterRevoke)")
        #expect(try await status(granted) == "revoked")
        #expect(returns.count == 2, "the bank hears nothing of a revoke: \(returns)")

        #expect(steps["expiredGoesToProvider"] as? Bool == true, "\(steps)")
        #expect((step("afterRelogin")["url"] as? String)?.hasPrefix(bank.server + "/me") == true, "\(step("afterRelogin"))")
        #expect(step("loginFailed")["h1"] as? String == "Login failed", "\(step("loginFailed"))")
        #expect(step("loggedOut")["h1"] as? String == "You are logged out", "\(step("loggedOut"))")
        #expect(steps["cookiesAfterLogout"] as? [String] == [], "\(steps)")
    }
}
