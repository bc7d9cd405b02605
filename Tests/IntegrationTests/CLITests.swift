import Foundation
import Testing

/// The binary as a user runs it: help, one-line errors, registration, and the whole demo.
@Suite(.serialized) struct CLITests {
    @Test func everyCommandHasHelp() async throws {
        for command in [[], ["serve"], ["mock-tax-agency"], ["dev", "pki"], ["dev", "id-token"], ["bank", "add"], ["auditor", "add"],
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

            let token = try await runCLI(["dev", "id-token", "--pki", pki, "--pid", try fixturePeople()[0].personId])
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

    @Test func demoRunsTheWholeFlowAndExitsZero() async throws {
        let demo = try await runCLI(["demo"])
        #expect(demo.status == 0, "\(demo.stdout)\n\(demo.stderr)")
        #expect(demo.stdout.contains("signature verifies"))
        #expect(demo.stdout.contains("inclusion proof"))
        #expect(demo.stdout.contains("409"))
    }
}
