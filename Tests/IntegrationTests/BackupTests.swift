import Foundation
import SamtykkeApp
import Testing

/// `samtykke backup` while a broker works, and `restore` into a new data directory: the restored
/// broker serves a log that verifies and that the original's log extends.
@Suite struct BackupTests {
    @Test func aBackupTakenUnderLoadRestoresToALogThatVerifiesAndIsAPrefix() async throws {
        try await ConsentFlowTests.withStack(sqlite: true) { run in
            let work = run.stack.paths.directory.deletingLastPathComponent()
            let backup = work.appendingPathComponent("backups/samtykke.backup").path
            try FileManager.default.createDirectory(atPath: (backup as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let restored = work.appendingPathComponent("restored").path
            let auditorKey = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date()).text
            try await AuditedBroker.addActivity(run)
            // Consents created, granted and used while the backup is taken.
            let load = Task { for _ in 0..<6 { try await AuditedBroker.addActivity(run) } }
            try await Task.sleep(for: .milliseconds(300))
            let taken = try await runCLI(["backup", "--data-dir", work.appendingPathComponent("data").path, "--out", backup])
            try await load.value
            #expect(taken.status == 0, "\(taken)")
            let mode = try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let put = try await runCLI(["restore", "--from", backup, "--data-dir", restored])
            #expect(put.status == 0, "\(put)")
            let again = try await runCLI(["restore", "--from", backup, "--data-dir", restored])
            #expect(again.status != 0)
            #expect(again.stderr == "samtykke: \(restored) already holds a database; restore into a new data directory\n", "\(again.stderr)")

            let state = work.appendingPathComponent("audit-state.json").path
            let auditor = ["SAMTYKKE_AUDITOR_KEY": auditorKey]
            try await LocalStack.run(work: work, fixtures: Package.fixtures, store: .sqlite(directory: restored)) { copy in
                let verified = try await runCLI(["audit", "verify", "--state", state, "--server", copy.brokerURL], environment: auditor)
                #expect(verified.status == 0, "\(verified)")
                // At least what was written before the backup began.
                let entries = verified.stdout.firstMatch(of: /verified: (\d+) entries/).flatMap { Int($0.1) }
                #expect((entries ?? 0) >= AuditedBroker.entriesPerActivity, "\(verified.stdout)")
            }
            // The original's log extends the restored one: the same state, grown from, verifies.
            let extended = try await runCLI(["audit", "verify", "--state", state, "--server", run.stack.brokerURL], environment: auditor)
            #expect(extended.status == 0, "\(extended)")
        }
    }
}
