import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore
import TransparencyLog

/// The embedded store: one SQLite file in WAL mode, for one broker instance.
///
/// SQLite runs with `synchronous = FULL`, so a committed transaction is on disk before any method
/// returns, and so before any HTTP answer leaves. Writes are serialised by SQLite; group commit
/// (`LogSequencer`) makes each of them carry a whole batch.
public final class SQLiteStore: Sendable {
    let writer: any DatabaseWriter

    /// Opens (creating if needed) the database file at `path` and migrates it.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // FULL: in WAL mode NORMAL may lose the last commits on power loss; we promise they survive.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.writer = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(writer)
    }

    /// A private in-memory database, for fast tests of everything above storage.
    public init() throws {
        self.writer = try DatabaseQueue()
        try Migrations.migrator.migrate(writer)
    }
}

extension SQLiteStore: StoreHealth {
    public func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
