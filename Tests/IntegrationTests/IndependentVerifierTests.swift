import Foundation
import Testing
import TestSupport

/// scripts/verify-log.py, written from SPEC.md alone, agrees with the broker and `samtykke audit
/// verify` on a real log, checks a bundle's receipt, and catches a changed entry too.
@Suite(.heavy) struct IndependentVerifierTests {
    @Test
    func pythonVerifierAgreesWithTheBrokerAndTheCLI() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let bundle = dir.appendingPathComponent("bundle.json")
                try broker.bundles[1].write(to: bundle, atomically: true, encoding: .utf8)
                let python = try await PythonVerifier.verify(["--server", broker.url, "--auditor-key", broker.auditorKey, "--bundle", bundle.path])
                #expect(python.status == 0, "\(python.stderr)")
                #expect(python.stdout.contains("entries: 8, each canonical and in its place"))
                #expect(python.stdout.contains("is entry 3 of the signed tree of 5 entries"), "\(python.stdout)")

                let swift = try await broker.verify(state: dir.appendingPathComponent("state.json"))
                let root = { (text: String, prefix: String) in text.split(separator: "\n").first { $0.hasPrefix(prefix) }?.dropFirst(prefix.count) }
                #expect(root(python.stdout, "root: ") != nil && root(python.stdout, "root: ") == root(swift.stdout, "root hash: "), "\(python.stdout) \(swift.stdout)")

                try broker.tamperer.tamper { db in
                    var leaf = try broker.tamperer.leaf(6, db)
                    leaf[leaf.count - 3] ^= 0x01
                    try broker.tamperer.setLeaf(6, leaf, db)
                }
                let tampered = try await PythonVerifier.verify(["--server", broker.url, "--auditor-key", broker.auditorKey])
                #expect(tampered.status == 1)
                #expect(tampered.stderr.hasPrefix("verify-log: FAIL: "), "\(tampered.stderr)")
            }
        }
    }
}
