import ChildProcess
import Foundation
import SamtykkeApp
import Testing
import TestSupport

/// The README's PostgreSQL backup, command by command: `pg_dump` of the broker's database while it
/// works, `createdb` and `pg_restore` into a fresh database, and a broker on that one serving a log
/// that verifies and that the original's log extends.
@Suite(.heavy, .enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct PostgresBackupTests {
    @Test func aDumpRestoredIntoAFreshDatabaseServesALogThatVerifiesAndIsAPrefix() async throws {
        try await ConsentFlowTests.withStack(backend: .postgres) { run in
            guard case .postgres(let url) = run.store, let server = URLComponents(string: url) else {
                Issue.record("the broker is not on PostgreSQL: \(String(describing: run.store))")
                return
            }
            let dump = run.stack.paths.directory.deletingLastPathComponent().appendingPathComponent("samtykke.dump").path
            let auditorKey = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date()).text
            let dumped = try await BackupTests.underLoad(run) { try await Self.run("pg_dump", ["--format=custom", "--file=\(dump)", url]) }
            #expect(dumped.status == 0, "\(dumped)")

            let name = "restored_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            var maintenance = server, restored = server
            maintenance.path = "/postgres"
            restored.path = "/" + name
            let created = try await Self.run("createdb", ["--maintenance-db=\(try #require(maintenance.string))", name])
            #expect(created.status == 0, "\(created)")
            let restoredURL = try #require(restored.string)
            let put = try await Self.run("pg_restore", ["--exit-on-error", "--single-transaction", "--dbname=\(restoredURL)", dump])
            #expect(put.status == 0, "\(put)")

            try await BackupTests.expectRestoredLogVerifies(.postgres(url: restoredURL), of: run, auditorKey: auditorKey)
        }
    }

    /// A program of the newest PostgreSQL installed, found as scripts/with-postgres finds initdb: the
    /// server is that version, and pg_dump refuses a server newer than itself.
    static func run(_ program: String, _ arguments: [String]) async throws -> CommandResult {
        let root = "/usr/lib/postgresql"
        let path = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
            .map { "\(root)/\($0)/bin/\(program)" }
            .last { FileManager.default.isExecutableFile(atPath: $0) }
        return try await Command.run(try #require(path, "no \(program) under \(root)/*/bin"), arguments)
    }
}
