import Foundation
import GRDB
import Testing
import TestSupport

@testable import SQLiteStore

/// The settings the log's durability and the bundle path's speed rest on, read back from each kind of connection.
@Suite(.sameOnEveryBackend) struct SQLiteSettingsTests {
    @Test func everyConnectionIsFullySynchronousAndReadsWithoutMappingTheFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("samtykke.sqlite").path)
        let read = try await store.writer.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int64.fetchOne(db, sql: "PRAGMA mmap_size"))
        }
        let written = try await store.writer.write { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int64.fetchOne(db, sql: "PRAGMA mmap_size"))
        }
        // The writer checkpoints only as a last resort (see `checkpointPages`); `checkpointer` does it.
        #expect(try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == SQLiteStore.checkpointPages)
        #expect(try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") } == SQLiteStore.walLimitBytes)
        for (synchronous, mapped) in [read, written] {
            #expect(synchronous == 2, "FULL is 2")
            // Mapping cost every read under a write load an munmap of the whole file (see `SQLiteStore.init`).
            #expect(mapped == 0)
        }
    }

    /// Commits leave their pages in the WAL; the background checkpointer, not the writer, copies
    /// them into the database file within a few of its intervals.
    @Test func theWALIsCopiedIntoTheDatabaseFileInTheBackground() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("samtykke.sqlite").path
        let store = try SQLiteStore(path: path)
        func fileSize() throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0 }
        try await store.writer.write { db in
            try db.execute(sql: "CREATE TABLE ballast (bytes BLOB)")
            for _ in 0..<64 { try db.execute(sql: "INSERT INTO ballast VALUES (randomblob(65536))") }
        }
        let written = 64 * 65_536
        // Far below the writer's own threshold: only the background checkpointer copies these pages.
        #expect(written / 4_096 < SQLiteStore.checkpointPages)
        let before = try fileSize()
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while try fileSize() < before + written, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        // The store must outlive the wait: its checkpointer stops with it.
        withExtendedLifetime(store) {}
        #expect(try fileSize() >= before + written, "the database file did not grow: nothing checkpointed the WAL")
    }
}
