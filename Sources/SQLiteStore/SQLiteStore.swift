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

    /// 64 GiB of address space, far past any log a broker will hold; SQLite caps it at its compile-time limit.
    static let mappedBytes: Int64 = 64 << 30

    /// WAL frames after which a commit copies the WAL back into the database file (SQLite's default
    /// is 1,000). Each batch rewrites the same few pages at the right edges of the log's tables and
    /// indexes; a checkpoint copies each page once however often it was rewritten, so checkpointing
    /// a tenth as often copies nearly a tenth of the pages. The WAL grows to about 40 MB (4 KiB pages).
    static let checkpointPages = 10_000
    static let walLimitBytes = 64 << 20

    /// Opens (creating if needed) the database file at `path` and migrates it.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // FULL: in WAL mode NORMAL may lose the last commits on power loss; we promise they survive.
            // (Readers never write; the writer is set again below.)
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Proofs and appends read O(log n) Merkle nodes, each a B-tree lookup; past a few
            // thousand entries the node table outgrows the 2 MB page cache and every miss was a
            // read() and a page copy, so proof time grew faster than log n. Mapped pages cost
            // neither, and the kernel's page cache is shared by all connections. Address space
            // only: what is not touched is never read.
            try db.execute(sql: "PRAGMA mmap_size = \(Self.mappedBytes)")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB switches the writer to NORMAL when it turns WAL on, after `prepareDatabase`: set FULL
        // again on the one connection that writes.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.checkpointPages)")
            // A WAL that readers kept from resetting may grow past that; once a checkpoint resets it,
            // it is cut back to this instead of keeping its largest size for good.
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walLimitBytes)")
        }
        self.writer = pool
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
