import Foundation
import Logging
import SamtykkeApp
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport

/// The operator's commands on the store: auditors listed and revoked, and nothing from the store
/// written raw to the terminal.
@Suite(.heavy, .sameOnEveryBackend) struct OperatorCLITests {
    @Test func anOperatorListsAndRevokesAuditors() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data").path
            let store = ["--data-dir", data]
            #expect(try await runCLI(["bank", "add"] + store + ["--org", "986352325", "--name", "Test Sparebank"]).status == 0)
            let first = try await runCLI(["auditor", "add"] + store + ["--name", "Finanstilsynet"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let second = try await runCLI(["auditor", "add"] + store + ["--name", "Riksrevisjonen"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let firstID = try #require(first.split(separator: ".").first.map(String.init))
            let secondID = try #require(second.split(separator: ".").first.map(String.init))
            #expect(firstID.hasPrefix("sak_") && secondID.hasPrefix("sak_"))

            let listed = try await runCLI(["auditor", "list"] + store)
            #expect(listed.status == 0, "\(listed.stderr)")
            let lines = listed.stdout.split(separator: "\n")
            #expect(lines.count == 2 && lines[0].hasPrefix("Finanstilsynet  \(firstID)  active  issued ") && lines[1].hasPrefix("Riksrevisjonen  \(secondID)  active"), "\(listed.stdout)")
            #expect(!listed.stdout.contains(first) && !listed.stdout.contains(second), "a key was printed")

            // `bank revoke-key` is for banks' keys: an auditor's id is not one.
            let notABank = try await runCLI(["bank", "revoke-key"] + store + ["--key", String(firstID.dropFirst(4))])
            #expect(notABank.status != 0 && notABank.stderr.contains("no live bank key"), "\(notABank)")

            let byName = try await runCLI(["auditor", "revoke", "Finanstilsynet"] + store)
            #expect(byName.status == 0 && byName.stdout == "revoked the key of auditor Finanstilsynet\n", "\(byName)")
            let byID = try await runCLI(["auditor", "revoke", secondID] + store)
            #expect(byID.status == 0 && byID.stdout == "revoked the key of auditor Riksrevisjonen\n", "\(byID)")
            let again = try await runCLI(["auditor", "revoke", second] + store)
            #expect(again.status != 0 && again.stderr.split(separator: "\n").count == 1 && !again.stderr.contains(second), "\(again)")

            let json = try await runCLI(["auditor", "list", "--json"] + store)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(rows.map { $0["status"] as? String } == ["revoked", "revoked"] && rows.map { $0["keyId"] as? String } == [firstID, secondID], "\(json.stdout)")
            let principals = try await OpenedStore.with(.sqlite(directory: data), logger: Logger(label: "test")) { database in
                [try await database.authenticate(first), try await database.authenticate(second)]
            }
            #expect(principals == [nil, nil])
        }
    }

    /// A URL stored before URLs were checked (or written by anything else) holds an escape sequence
    /// and a line break: the operator's terminal gets them escaped, and a new one is refused.
    @Test func storedTextReachesTheTerminalEscaped() async throws {
        try await withTemporaryDirectory { dir in
            let pki = dir.appendingPathComponent("pki").path
            #expect(try await runCLI(["dev", "pki", "--out", pki]).status == 0)
            let data = dir.appendingPathComponent("data").path
            let store = ["--data-dir", data, "--org", "986352325"]
            #expect(try await runCLI(["bank", "add", "--data-dir", data, "--org", "986352325", "--name", "Test Sparebank"]).status == 0)
            let hostile = "https://[3ffe::7]/\u{1B}[2J\u{1B}[1;1Hall good\r\nwh_fake  active  https://bank.example/"
            try await OpenedStore.with(.sqlite(directory: data), logger: Logger(label: "test")) { database in
                try await database.addWebhook(Webhook(id: "wh_stored", bankOrg: try OrgNumber("986352325"), url: hostile, sealedSecret: [1, 2, 3], createdAt: Date()))
            }
            let listed = try await runCLI(["bank", "webhook", "list"] + store)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(!listed.stdout.utf8.contains(0x1B) && !listed.stdout.utf8.contains(0x0D), "\(listed.stdout.debugDescription)")
            #expect(listed.stdout.split(separator: "\n").count == 1, "\(listed.stdout.debugDescription)")
            #expect(listed.stdout.contains(#"https://[3ffe::7]/\u{001B}[2J\u{001B}[1;1Hall good\u{000D}\u{000A}wh_fake"#), "\(listed.stdout.debugDescription)")

            for url in ["https://[3ffe::7]/\u{1B}[2J", "https://[3ffe::7]/a\r\nb", "https://[3ffe::7]/a b", "https://[3ffe::7]:0/", "https://[3ffe::7]:99999/"] {
                let refused = try await runCLI(["bank", "webhook", "add"] + store + ["--url", url, "--pki", pki])
                #expect(refused.status != 0 && refused.stderr.split(separator: "\n").count == 1 && !refused.stderr.utf8.contains(0x1B), "\(url.debugDescription): \(refused)")
            }
        }
    }
}
