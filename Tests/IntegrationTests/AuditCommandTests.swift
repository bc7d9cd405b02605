import Crypto
import Foundation
import SamtykkeApp
import SamtykkeServer
import Testing
import TestSupport
import TransparencyLog

/// `samtykke audit verify|entries|checkpoint|prove` against a real broker, through the binary.
@Suite(.heavy) struct AuditCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func verifyTrustsOnFirstUseThenChecksTheLogOnlyGrew() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let state = dir.appendingPathComponent("nested/state.json")
                let first = try await broker.verify(state: state)
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stdout.contains("verified: 8 entries of log "))
                #expect(first.stdout.contains("first run: nothing to compare with, so this checkpoint and log key \(try await broker.logKey()) are trusted on first use"))
                #expect(first.stderr.isEmpty, "no progress bar when stderr is not a terminal")
                #expect(FileManager.default.fileExists(atPath: state.path))

                try await AuditedBroker.addActivity(broker.run)
                let second = try await broker.audit(["verify", "--state", state.path, "--json"])
                #expect(second.status == 0, "\(second.stderr)")
                let report = try Self.json(second.stdout)
                #expect(report["verified"] as? Bool == true)
                #expect(report["size"] as? Int == 16)
                #expect(report["previousSize"] as? Int == 8)
                #expect(report["trustedOnFirstUse"] as? Bool == false)
                #expect(report["readAsEntryBundles"] as? Bool == true, "the broker's C2SP entry bundles, not its pages of entries")

                let checkpoint = try Self.json(try await broker.audit(["checkpoint", "--json"]).stdout)
                #expect(report["rootHash"] as? String == checkpoint["rootHash"] as? String)

                let third = try await broker.verify(state: state)
                #expect(third.stdout.contains("consistent with the 16 entries verified on"), "\(third.stdout)")
            }
        }
    }

    @Test func verifyRefusesAnotherLogKeyThanTheTrustedOne() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let state = dir.appendingPathComponent("state.json")
                #expect(try await broker.verify(state: state).status == 0)
                let impostor = try NoteSigner(name: "samtykke.local/log", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
                let result = try await broker.audit(["verify", "--state", state.path, "--log-key", impostor])
                #expect(result.status != 0)
                #expect(result.stderr.hasPrefix("samtykke: the log does not verify: the log now publishes key \(impostor)"), "\(result.stderr)")
            }
        }
    }

    /// `audit checkpoint --log-key KEY|FILE` pins that key: a checkpoint the pinned key did not sign
    /// is refused whatever the broker publishes, and the one it signed is shown as verified with it.
    @Test func checkpointPinsTheGivenLogKey() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let published = try await broker.logKey()
                let impostor = try NoteSigner(name: "samtykke.local/log", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
                let impostorFile = dir.appendingPathComponent("impostor.vkey")
                try (impostor + "\n").write(to: impostorFile, atomically: true, encoding: .utf8)
                for pinned in [impostor, impostorFile.path] {
                    let refused = try await broker.audit(["checkpoint", "--log-key", pinned])
                    #expect(refused.status != 0 && refused.stderr.contains("does not verify with the log key") && refused.stdout.isEmpty, "\(pinned): \(refused)")
                }
                let keyFile = dir.appendingPathComponent("log.vkey")
                try (published + "\n").write(to: keyFile, atomically: true, encoding: .utf8)
                let pinned = try await broker.audit(["checkpoint", "--log-key", keyFile.path, "--json"])
                #expect(pinned.status == 0, "\(pinned)")
                let report = try Self.json(pinned.stdout)
                #expect(report["keyFromBroker"] as? Bool == false && report["logKey"] as? String == published, "\(pinned.stdout)")
            }
        }
    }

    @Test func entriesCheckpointAndProofs() async throws {
        try await AuditedBroker.with { broker in
            let listed = try await broker.audit(["entries"])
            #expect(listed.status == 0, "\(listed.stderr)")
            let lines = listed.stdout.split(separator: "\n")
            #expect(lines.count == 8)
            #expect(lines.first?.hasPrefix("#0  ") == true && lines[0].contains("consent.requested") && lines[0].contains("bank:986352325"))
            #expect(lines[2].contains("bundle.issued") && lines[2].contains("use 1"))
            #expect(lines[4].contains("consent.exhausted") && lines[4].contains("active -> exhausted after 2 uses"))

            let limited = try await broker.audit(["entries", "--start", "5", "--limit", "2"])
            #expect(limited.stdout.split(separator: "\n").map { $0.prefix(3) } == ["#5 ", "#6 "])

            let firstConsent = try #require(lines[0].split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).first)
            let filtered = try Self.json(try await broker.audit(["entries", "--consent-id", String(firstConsent), "--json"]).stdout)
            let items = try #require(filtered["entries"] as? [[String: Any]])
            #expect(items.compactMap { $0["index"] as? Int } == [0, 1, 2, 3, 4])
            #expect((items[2]["json"] as? [String: Any])?["type"] as? String == "bundle.issued")

            let checkpoint = try await broker.audit(["checkpoint"])
            #expect(checkpoint.status == 0 && checkpoint.stdout.contains("size:      8"), "\(checkpoint)")
            let impostor = try NoteSigner(name: "samtykke.local/log", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
            let refused = try await broker.audit(["checkpoint", "--log-key", impostor])
            #expect(refused.status != 0 && refused.stderr.contains("does not verify with the log key"), "\(refused)")

            let included = try await broker.audit(["prove", "--index", "2"])
            #expect(included.status == 0 && included.stdout.contains("entry 2 is in the tree of 8 entries"), "\(included)")
            let older = try await broker.audit(["prove", "--index", "2", "--tree-size", "5", "--json"])
            #expect(try Self.json(older.stdout)["treeSize"] as? Int == 5, "\(older)")
            let consistent = try await broker.audit(["prove", "--from", "3", "--to", "7"])
            #expect(consistent.status == 0 && consistent.stdout.contains("the tree of 3 entries is a prefix of the tree of 7"), "\(consistent)")
            let beyond = try await broker.audit(["prove", "--index", "3", "--tree-size", "9"])
            #expect(beyond.status != 0 && beyond.stderr.contains("tree size 9 is beyond the signed checkpoint (8)"), "\(beyond)")
            let past = try await broker.audit(["prove", "--index", "8"])
            #expect(past.status != 0 && past.stderr.contains("index 8 is not below tree size 8"), "\(past)")
            let both = try await broker.audit(["prove", "--index", "1", "--from", "1"])
            #expect(both.status != 0)

            let keyless = try await runCLI(["audit", "entries", "--server", broker.url])
            #expect(keyless.status != 0 && keyless.stderr.contains("SAMTYKKE_AUDITOR_KEY"), "\(keyless)")
        }
    }

    /// An audit of a large log sends thousands of requests; the auditor's rate limit slows it down
    /// (429 with `Retry-After`), it does not stop it.
    @Test func theAuditCommandsWaitOutTheRateLimit() async throws {
        try await ConsentFlowTests.withStack(customize: { broker in
            broker.limits.auditRate = RateLimiter.Rule(perSecond: 0.25, burst: 2)
        }) { run in
            let key = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date()).text
            for attempt in 0..<4 {
                let listed = try await runCLI(["audit", "entries", "--server", run.stack.brokerURL], environment: ["SAMTYKKE_AUDITOR_KEY": key])
                #expect(listed.status == 0, "request \(attempt): \(listed.stderr)")
            }
        }
    }
}
