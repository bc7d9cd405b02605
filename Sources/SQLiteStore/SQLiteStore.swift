import Foundation
import GRDB
import Synchronization
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
    /// Copies the WAL into the database file in the background (`startCheckpointer`); none for an
    /// in-memory store.
    private let checkpointer: Task<Void, Never>?
    /// Set when a retention sweep deleted rows whose earlier versions the WAL may still hold, until
    /// a TRUNCATE checkpoint emptied it (`shredWriteAheadLog`).
    let walHoldsForgotten = Mutex(false)

    /// How often the WAL is copied back into the database file, on a connection of its own
    /// (`checkpointer`), while commits go on: a checkpoint run by the committing writer, as SQLite's
    /// automatic one is, stalled every commit queued behind it for as long as the copy and its fsync
    /// took (at 10,000 pages that cost a fifth of the bundle throughput at concurrency 16 and a few
    /// milliseconds of its p99). Each batch rewrites the same pages at the right edges of the log's
    /// tables and indexes, and a checkpoint copies a page once however often it was rewritten: every
    /// 5 s copied less than every second, and the WAL stays some 70 MB at a thousand bundles a second.
    static let checkpointInterval: Duration = .seconds(5)
    /// The writer still checkpoints past this many WAL frames (about 400 MB), should the background
    /// one ever fall behind: a bound on the WAL, never reached while it keeps up.
    static let checkpointPages = 100_000
    static let walLimitBytes = 64 << 20

    /// Opens (creating if needed) the database file at `path` and migrates it.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // FULL: in WAL mode NORMAL may lose the last commits on power loss; we promise they survive.
            // (Readers never write; the writer is set again below.)
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // What retention deletes is overwritten with zeros, in its b-tree pages and freed pages
            // alike, so no forgotten person number lingers in the file's free space (README,
            // "Retention"). Deletes are rare in the broker's writes (the log only grows), so it costs little.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // No memory-mapped I/O (`mmap_size` stays 0): in WAL mode a connection whose next read
            // finds the WAL changed unmaps the whole file, and under a bundle load every read does, so
            // each consent lookup paid an munmap with a TLB shootdown on the other core and faulted its
            // pages back in. Without it the broker issued 5–20% more bundles at concurrency 16 and 64
            // (same run, same baseline); proofs read their few pages through the page cache instead.
        }
        Self.emptyLeftoverWriteAheadLog(path)
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
        checkpointer = try Self.startCheckpointer(path: path)
    }

    deinit { checkpointer?.cancel() }

    /// PASSIVE checkpoints every `checkpointInterval`: they copy what no reader still needs and never
    /// wait on, or block, a reader or the writer. FULL synchronous, so the database file is synced
    /// before SQLite lets the WAL be reused: the copy is as durable as the commits it carries.
    private static func startCheckpointer(path: String) throws -> Task<Void, Never> {
        var configuration = Configuration()
        configuration.label = "samtykke.checkpointer"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        // At the default priority: under a steady load, utility work waited tens of seconds for a turn.
        return Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: checkpointInterval)
                // A failure (a reader holding old frames, the disk) leaves the frames for the next round.
                _ = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            }
        }
    }

    /// A process that ended between a forget and its TRUNCATE checkpoint (`shredWriteAheadLog`) left
    /// the forgotten rows in the WAL, and whether the WAL holds any is known only in memory: so the
    /// WAL a file is opened with is copied into it and cut to nothing first, on a connection that
    /// gives up at once rather than wait, should another process have the file open and busy (a
    /// backup or a CLI command beside a serving broker). The PASSIVE checkpoint first copies what it
    /// can without holding up that broker's commits, so the TRUNCATE one, which does hold them up,
    /// has little left to copy.
    private static func emptyLeftoverWriteAheadLog(_ path: String) {
        guard let size = try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int, size > 0 else { return }
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        _ = try? DatabaseQueue(path: path, configuration: configuration).writeWithoutTransaction { db in
            _ = try? db.checkpoint(.passive)
            return try db.checkpoint(.truncate)
        }
    }

    /// A private in-memory database, for fast tests of everything above storage.
    public init() throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        self.writer = try DatabaseQueue(configuration: configuration)
        self.checkpointer = nil
        try Migrations.migrator.migrate(writer)
    }
}

extension SQLiteStore {
    /// Empties the WAL once a retention sweep deleted rows: the frames of earlier commits hold the
    /// forgotten rows as they were, and a PASSIVE checkpoint only rewinds the WAL, leaving old frames
    /// past the new ones in the file. A TRUNCATE checkpoint copies every frame into the database file
    /// (where `secure_delete` zeroed the rows) and cuts the WAL to nothing; it waits for readers
    /// holding old snapshots, so one that cannot finish now is tried again after the next commit.
    ///
    /// SQLite runs one checkpoint at a time and answers busy at once, with no busy handler, while
    /// another is under way: the background `checkpointer`'s PASSIVE run, every few seconds, for a
    /// few milliseconds. Left to the next commit, an idle broker kept the forgotten rows in its WAL
    /// until one came (a CI run caught it), so a busy checkpoint is tried again shortly, for half a
    /// second. Not longer: an attempt that waited out the writer's busy timeout for a reader would
    /// hold the commit that much longer each time.
    func shredWriteAheadLog() async {
        let retryUntil = ContinuousClock.now + Self.shredRetryWindow
        while walHoldsForgotten.withLock({ $0 }) {
            do {
                let (walFrames, copied) = try await writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
                if walFrames == copied { walHoldsForgotten.withLock { $0 = false } }
            } catch {
                // Busy: another checkpoint, or a reader that kept an old snapshot past the busy timeout.
            }
            // Past the window the flag stays, and the next commit tries again.
            guard ContinuousClock.now < retryUntil else { return }
            try? await Task.sleep(for: Self.shredRetryDelay)
        }
    }

    static let shredRetryWindow: Duration = .milliseconds(500)
    static let shredRetryDelay: Duration = .milliseconds(50)
}

extension SQLiteStore: StoreHealth {
    public func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Opening the file migrated it already; this applies nothing new then, and costs one read.
    public func migrate() async throws {
        try Migrations.migrator.migrate(writer)
    }
}
