import Foundation
import Testing
import TestSupport

/// The binary as a user runs it: help, one-line errors, registration, and the whole demo.
@Suite(.heavy, .serialized, .sameOnEveryBackend) struct CLITests {
    @Test func everyCommandHasHelp() async throws {
        for command in [[], ["serve"], ["mock-tax-agency"], ["dev", "pki"], ["dev", "id-token"], ["bank", "add"], ["bank", "webhook", "add"], ["bank", "webhook", "list"], ["bank", "webhook", "remove"], ["auditor", "add"],
                        ["consent", "grant"], ["consent", "list"], ["witness", "serve"], ["witness", "key"], ["demo"]] {
            let result = try await runCLI(command + ["--help"])
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("USAGE"), "\(command)")
        }
    }

    @Test func failuresAreOneLineOnStderr() async throws {
        let unreachable = try await runCLI(["consent", "list", "--server", "http://127.0.0.1:9", "--id-token", "x"])
        #expect(unreachable.status != 0)
        #expect(unreachable.stderr.hasPrefix("samtykke: cannot reach the broker"))
        #expect(unreachable.stderr.split(separator: "\n").count == 1)
        let missing = try await runCLI(["consent", "list", "--id-token", "x"])
        #expect(missing.status != 0 && missing.stderr.contains("--server"))
    }

    @Test func registrationPrintsTheKeyAloneAndKeysMustBePrivate() async throws {
        try await withTemporaryDirectory { dir in
            let pki = dir.appendingPathComponent("pki").path
            #expect(try await runCLI(["dev", "pki", "--out", pki]).status == 0)
            let data = dir.appendingPathComponent("data").path
            // Registering a party needs only the store: no key flags (SPEC §7).
            let added = try await runCLI(["bank", "add", "--data-dir", data, "--org", "986352325", "--name", "Test Sparebank"])
            #expect(added.status == 0, "\(added.stderr)")
            let lines = added.stdout.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("sbk_"))
            let again = try await runCLI(["bank", "add", "--data-dir", data, "--org", "986352325", "--name", "Again"])
            #expect(again.status != 0 && again.stderr.contains("already registered"))
            let badOrg = try await runCLI(["bank", "add", "--data-dir", data, "--org", "986352326", "--name", "X"])
            #expect(badOrg.status != 0 && badOrg.stderr.contains("check digit"))
            let auditor = try await runCLI(["auditor", "add", "--name", "Finanstilsynet"], environment: ["SAMTYKKE_DATA_DIR": data])
            #expect(auditor.status == 0 && auditor.stdout.hasPrefix("sak_"), "\(auditor.stderr)")

            let token = try await runCLI(["dev", "id-token", "--pki", pki, "--pid", try fixturePeople()[0].personId.digits])
            #expect(token.status == 0 && token.stdout.split(separator: ".").count == 3)

            let both = try await runCLI(["bank", "add", "--data-dir", data, "--database", "postgres://u@127.0.0.1:1/db", "--org", "974760673", "--name", "Y"])
            #expect(both.status != 0 && both.stderr.contains("not both"))

            // A data directory other users can read would expose the database: refused.
            chmod(data, 0o755)
            let readable = try await runCLI(["bank", "add", "--data-dir", data, "--org", "974760673", "--name", "Y"])
            #expect(readable.status != 0 && readable.stderr.contains("chmod 700"), "\(readable.stderr)")
            chmod(data, 0o700)

            chmod(dir.appendingPathComponent("pki/log.key").path, 0o644)
            let open = try await runCLI(["serve", "--port", "0", "--data-dir", data, "--pki", pki, "--tax-agency", "https://127.0.0.1:1"])
            #expect(open.status != 0 && open.stderr.contains("must be 0600"), "\(open.stderr)")
        }
    }

    @Test func anOperatorManagesABanksWebhooks() async throws {
        try await withTemporaryDirectory { dir in
            let pki = dir.appendingPathComponent("pki").path
            #expect(try await runCLI(["dev", "pki", "--out", pki]).status == 0)
            let data = dir.appendingPathComponent("data").path
            #expect(try await runCLI(["bank", "add", "--data-dir", data, "--org", "986352325", "--name", "Test Sparebank"]).status == 0)
            let store = ["--data-dir", data, "--org", "986352325"]

            // Sealing the secret needs the bundle key.
            let keyless = try await runCLI(["bank", "webhook", "add"] + store + ["--url", "https://[3ffe::7]/hook"])
            #expect(keyless.status != 0 && keyless.stderr.contains("--bundle-key"), "\(keyless.stderr)")
            let added = try await runCLI(["bank", "webhook", "add"] + store + ["--url", "https://[3ffe::7]/hook", "--pki", pki])
            #expect(added.status == 0, "\(added.stderr)")
            let parts = added.stdout.split(separator: "\n")[0].split(separator: " ")
            #expect(parts.count == 2 && parts[0].hasPrefix("wh_") && parts[1].hasPrefix("whsec_"), "\(added.stdout)")
            let id = String(parts[0])

            let local = try await runCLI(["bank", "webhook", "add"] + store + ["--url", "https://127.0.0.1:9/hook", "--pki", pki])
            #expect(local.status != 0 && local.stderr.contains("private address") && local.stderr.split(separator: "\n").count == 1, "\(local.stderr)")
            let allowed = try await runCLI(["bank", "webhook", "add"] + store + ["--url", "https://127.0.0.1:9/hook", "--pki", pki, "--webhook-allow-private"])
            #expect(allowed.status == 0, "\(allowed.stderr)")
            let unknown = try await runCLI(["bank", "webhook", "add", "--data-dir", data, "--org", "974760673", "--url", "https://[3ffe::7]/", "--pki", pki])
            #expect(unknown.status != 0)

            let listed = try await runCLI(["bank", "webhook", "list"] + store)
            #expect(listed.status == 0 && listed.stdout.contains(id) && listed.stdout.contains("active") && !listed.stdout.contains("whsec_"), "\(listed)")
            #expect(listed.stdout.split(separator: "\n").count == 2)
            #expect(try await runCLI(["bank", "webhook", "remove"] + store + ["--id", id]).status == 0)
            let twice = try await runCLI(["bank", "webhook", "remove"] + store + ["--id", id])
            #expect(twice.status != 0 && twice.stderr.contains("no webhook"))
            #expect(!(try await runCLI(["bank", "webhook", "list"] + store)).stdout.contains(id))
        }
    }

    @Test func demoRunsTheWholeFlowAndExitsZero() async throws {
        let demo = try await runCLI(["demo"])
        #expect(demo.status == 0, "\(demo.stdout)\n\(demo.stderr)")
        #expect(demo.stdout.contains("signature verifies"))
        #expect(demo.stdout.contains("inclusion proof"))
        #expect(demo.stdout.contains("409"))
        // The bank is on the key flow: only its public key registered, a DPoP-bound token.
        #expect(demo.stdout.contains("no API key exists for it") && demo.stdout.contains("DPoP token, 300 s"))
        // The citizen's way in (issue 29.4): no browser here, so the demo walks the viewUri itself,
        // through the dev ID provider's login, to the bank's page.
        #expect(demo.stdout.contains("viewUri: http://127.0.0.1:") && demo.stdout.contains("no browser here"), "\(demo.stdout)")
        #expect(demo.stdout.contains("POST https://127.0.0.1:") && demo.stdout.contains("/login/callback?code="), "\(demo.stdout)")
        #expect(demo.stdout.contains("&status=granted\n") && demo.stdout.contains(" active\n"), "\(demo.stdout)")
    }
}
