import Foundation
import SamtykkeApp
import SamtykkeDemo
import Testing

/// `samtykke backup` while a broker works, and `restore` into a new data directory: the restored
/// broker serves a log that verifies and that the original's log extends.
@Suite(.heavy) struct BackupTests {
    @Test func aBackupTakenUnderLoadRestoresToALogThatVerifiesAndIsAPrefix() async throws {
        try await ConsentFlowTests.withStack(backend: .sqlite) { run in
            let work = run.stack.paths.directory.deletingLastPathComponent()
            let backup = work.appendingPathComponent("backups/samtykke.backup").path
            try FileManager.default.createDirectory(atPath: (backup as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let restored = work.appendingPathComponent("restored").path
            let auditorKey = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date()).text
            let taken = try await Self.underLoad(run) {
                try await runCLI(["backup", "--data-dir", work.appendingPathComponent("data").path, "--out", backup])
            }
            #expect(taken.status == 0, "\(taken)")
            let mode = try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let put = try await runCLI(["restore", "--from", backup, "--data-dir", restored])
            #expect(put.status == 0, "\(put)")
            let again = try await runCLI(["restore", "--from", backup, "--data-dir", restored])
            #expect(again.status != 0)
            #expect(again.stderr == "samtykke: \(restored) already holds a database; restore into a new data directory\n", "\(again.stderr)")

            try await Self.expectRestoredLogVerifies(.sqlite(directory: restored), of: run, auditorKey: auditorKey)
        }
    }

    /// Takes `backup` after one activity, while consents are created, granted and used.
    static func underLoad<T: Sendable>(_ run: ConsentFlowTests.Running, _ backup: @Sendable () async throws -> T) async throws -> T {
        try await AuditedBroker.addActivity(run)
        let load = Task { for _ in 0..<6 { try await AuditedBroker.addActivity(run) } }
        try await Task.sleep(for: .milliseconds(300))
        let taken: Result<T, any Error>
        do { taken = .success(try await backup()) } catch { taken = .failure(error) }
        try await load.value
        return try taken.get()
    }

    /// A broker on `restored` serves a log that `audit verify` accepts, holding at least what was
    /// written before the backup began; and the original's log extends it: the same auditor state,
    /// grown from the restored log, verifies against the original.
    static func expectRestoredLogVerifies(_ restored: StoreLocation, of run: ConsentFlowTests.Running, auditorKey: String) async throws {
        let work = run.stack.paths.directory.deletingLastPathComponent()
        let state = work.appendingPathComponent("audit-state.json").path
        let auditor = ["SAMTYKKE_AUDITOR_KEY": auditorKey]
        try await LocalStack.run(work: work, fixtures: Package.fixtures, store: restored) { copy in
            let verified = try await runCLI(["audit", "verify", "--state", state, "--server", copy.brokerURL], environment: auditor)
            #expect(verified.status == 0, "\(verified)")
            let entries = verified.stdout.firstMatch(of: /verified: (\d+) entries/).flatMap { Int($0.1) }
            #expect((entries ?? 0) >= AuditedBroker.entriesPerActivity, "\(verified.stdout)")
        }
        let extended = try await runCLI(["audit", "verify", "--state", state, "--server", run.stack.brokerURL], environment: auditor)
        #expect(extended.status == 0, "\(extended)")
    }
}
