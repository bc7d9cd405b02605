import Foundation
import GRDB
import Testing

@testable import SQLiteStore

/// The settings the log's durability and proof speed rest on, read back from each kind of connection.
@Suite struct SQLiteSettingsTests {
    @Test func everyConnectionIsFullySynchronousAndMapsTheFile() async throws {
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
        // Only the writer checkpoints; a tenth as often as SQLite's default (see `checkpointPages`).
        #expect(try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == SQLiteStore.checkpointPages)
        #expect(try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") } == SQLiteStore.walLimitBytes)
        for (synchronous, mapped) in [read, written] {
            #expect(synchronous == 2, "FULL is 2")
            // SQLite caps the request at its compile-time limit (2 GB on Debian): anything that large maps a broker's log.
            #expect((mapped ?? 0) >= 1 << 30)
        }
    }
}
