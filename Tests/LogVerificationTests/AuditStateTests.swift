import Foundation
import LogVerification
import Testing
import TransparencyLog
import TestSupport

/// The state file between runs: round trips, and refuses to be trusted when it was tampered with.
@Suite(.sameOnEveryBackend) struct AuditStateTests {
    static func withStatePath(_ body: (String) async throws -> Void) async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("audit-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await body(dir.appendingPathComponent("nested/state.json").path)
    }

    /// One state file per broker, named by the SHA-256 of its URL, so two logs never share a trusted checkpoint.
    @Test func eachServerHasItsOwnDefaultStateFile() {
        let local = AuditState.defaultPath(server: "http://127.0.0.1:8080")
        #expect(local.hasSuffix("/.samtykke/audit-state-d30a576c03187167.json"), "\(local)")
        #expect(AuditState.defaultPath(server: "https://broker.example").hasSuffix("/.samtykke/audit-state-45b7a986c5e7cbc2.json"))
    }

    @Test func roundTripsAndIsPrivate() async throws {
        try await Self.withStatePath { path in
            #expect(try AuditState.load(from: path) == nil)
            let log = try InMemoryLog(size: 6)
            guard case .verified(let verified) = try await LogAuditor(source: log).verify(logKey: log.logKey, trusted: nil) else {
                Issue.record("the log did not verify")
                return
            }
            let state = AuditState(server: "http://127.0.0.1:1", verified: verified, at: Date(timeIntervalSince1970: 1_760_000_000))
            try state.save(to: path)
            let loaded = try #require(try AuditState.load(from: path))
            #expect(loaded == state)
            #expect(try loaded.trusted() == verified.checkpoint)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func aGarbledOrForgedStateIsAnError() async throws {
        try await Self.withStatePath { path in
            let log = try InMemoryLog(size: 6)
            guard case .verified(let verified) = try await LogAuditor(source: log).verify(logKey: log.logKey, trusted: nil) else {
                Issue.record("the log did not verify")
                return
            }
            try AuditState(server: "s", verified: verified, at: Date()).save(to: path)
            var text = try String(contentsOfFile: path, encoding: .utf8)
            // A smaller size typed into the file no longer matches the signature.
            let forged = text.replacingOccurrences(of: "\\n6\\n", with: "\\n2\\n")
            #expect(forged != text)
            try forged.write(toFile: path, atomically: true, encoding: .utf8)
            let signature = NoteError.invalidSignature(keyName: InMemoryLog.origin, keyID: log.signer.keyID)
            let unsigned = AuditStateError.malformed("its checkpoint does not verify with its log key: \(signature)")
            #expect(throws: AuditStateError.unreadable(path: path, reason: unsigned.description)) { try AuditState.load(from: path) }
            text = "{"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            // Damaged or cut short, it is one plain sentence naming the file and what to do, no decoder's account.
            for damaged in [String(forged.prefix(forged.count / 2)), "{", "[]", #"{"server":"s"}"#] {
                try damaged.write(toFile: path, atomically: true, encoding: .utf8)
                let refused = #expect(throws: AuditStateError.self) { try AuditState.load(from: path) }
                #expect(refused?.description == "cannot use the audit state \(path) (removing it means trusting the log anew on the next run): it is truncated or damaged, not the state file audit verify writes")
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let garbled = #expect(throws: AuditStateError.self) { try AuditState.load(from: path) }
            guard case .unreadable(path: path, reason: _)? = garbled else {
                Issue.record("\(String(describing: garbled)) is not an unreadable \(path)")
                return
            }
        }
    }
}
