import Crypto
import Foundation
import ChildProcess
import TestSupport
import Testing
import TransparencyLog

/// `samtykke bundle verify`: a bank checks what it received, offline, against the JWKS and log key.
@Suite(.heavy) struct BundleVerifyTests {
    @Test func verifiesTheSignatureAndTheReceiptAndRefusesEveryAlteration() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                // The broker here serves plain http, whose keys prove nothing: they are read into a file.
                let jwksURL = broker.url + "/.well-known/jwks.json"
                let jwksFile = dir.appendingPathComponent("jwks.json")
                try await Caller(server: broker.url, credential: nil).send("GET", "/.well-known/jwks.json").text.write(to: jwksFile, atomically: true, encoding: .utf8)
                let logKey = try await broker.logKey()
                func verify(_ answer: String, _ extra: [String] = [], jwks: String = jwksFile.path) async throws -> CommandResult {
                    let file = dir.appendingPathComponent("\(UUID().uuidString).json")
                    try answer.write(to: file, atomically: true, encoding: .utf8)
                    return try await runCLI(["bundle", "verify", file.path, "--jwks", jwks, "--log-key", logKey] + extra)
                }

                let plain = try await verify(broker.bundles[1], jwks: jwksURL)
                #expect(plain.status != 0 && plain.stderr.split(separator: "\n").first?.contains("--jwks must be an https URL or a file, not \(jwksURL)") == true, "\(plain)")

                let good = try await verify(broker.bundles[1])
                #expect(good.status == 0, "\(good.stderr)")
                #expect(good.stdout.contains("log:       entry 3 (bundle.issued, SHA-256 of this bundle) is in the tree of 5 entries"), "\(good.stdout)")

                // Keys from files, and JSON for scripts.
                let keyFile = dir.appendingPathComponent("log.pub")
                try (logKey + "\n").write(to: keyFile, atomically: true, encoding: .utf8)
                let answerFile = dir.appendingPathComponent("answer.json")
                try broker.bundles[0].write(to: answerFile, atomically: true, encoding: .utf8)
                let offline = try await runCLI(["bundle", "verify", answerFile.path, "--json"],
                                               environment: ["SAMTYKKE_JWKS": jwksFile.path, "SAMTYKKE_LOG_KEY": keyFile.path])
                #expect(offline.status == 0, "\(offline.stderr)")
                let report = try #require(try JSONSerialization.jsonObject(with: Data(offline.stdout.utf8)) as? [String: Any])
                #expect(report["verified"] as? Bool == true && report["logIndex"] as? Int == 2 && report["bankOrg"] as? String == "986352325")

                // The bank names itself and its broker; a bundle for another bank or from another broker is refused.
                let issuer = try #require(report["issuer"] as? String)
                let expected = try await verify(broker.bundles[0], ["--expect-org", "986352325", "--expect-issuer", issuer])
                #expect(expected.status == 0, "\(expected.stderr)")
                for (extra, words) in [
                    (["--expect-org", "974760673"], "the bundle is issued to bank 986352325, not to 974760673 (--expect-org)"),
                    (["--expect-issuer", "https://broker.example.invalid"], "the bundle is issued by \(issuer), not by https://broker.example.invalid (--expect-issuer)"),
                ] {
                    let refused = try await verify(broker.bundles[0], extra)
                    #expect(refused.status != 0)
                    #expect(refused.stderr == "samtykke: \(words)\n", "\(refused.stderr)")
                }

                var answer = try #require(try JSONSerialization.jsonObject(with: Data(broker.bundles[1].utf8)) as? [String: Any])
                let receipt = try #require(answer["auditReceipt"] as? [String: Any])
                let other = try #require(try JSONSerialization.jsonObject(with: Data(broker.bundles[0].utf8)) as? [String: Any])
                func altered(_ change: (inout [String: Any], inout [String: Any]) -> Void) throws -> String {
                    var copy = answer
                    var copyReceipt = receipt
                    change(&copy, &copyReceipt)
                    copy["auditReceipt"] = copyReceipt
                    return String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
                }
                let bundle = try #require(answer["bundle"] as? String)
                let parts = bundle.split(separator: ".")
                let cases: [(String, String)] = [
                    // A claim changed (the payload's last base64url character): the signature breaks.
                    (try altered { a, _ in a["bundle"] = "\(parts[0]).\(parts[1].dropLast())\(parts[1].last == "A" ? "B" : "A").\(parts[2])" }, "signature does not verify"),
                    // Another genuine bundle with this receipt: the logged digest is not its own.
                    (try altered { a, _ in a["bundle"] = other["bundle"] }, "bundleSha256 is not this bundle's SHA-256"),
                    (try altered { _, r in r["index"] = 2 }, "the entry says index 3, the receipt 2"),
                    (try altered { _, r in r["inclusionProof"] = (r["inclusionProof"] as? [String]).map { Array($0.reversed()) } }, "the inclusion proof does not hold"),
                    (try altered { _, r in r["treeSize"] = 4 }, "tree size 4 is not the checkpoint's 5"),
                ]
                for (text, words) in cases {
                    let refused = try await verify(text)
                    #expect(refused.status != 0)
                    #expect(refused.stderr.hasPrefix("samtykke: ") && refused.stderr.contains(words) && refused.stderr.filter { $0 == "\n" }.count == 1, "\(refused.stderr)")
                }
                let impostor = try NoteSigner(name: "samtykke.local/log", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
                let wrongKey = try await verify(broker.bundles[1], ["--log-key", impostor])
                #expect(wrongKey.status != 0 && wrongKey.stderr.contains("not signed by the log key"), "\(wrongKey.stderr)")
                answer["bundle"] = nil
                #expect(try await verify(String(decoding: try JSONSerialization.data(withJSONObject: answer), as: UTF8.self)).status != 0)
            }
        }
    }
}
