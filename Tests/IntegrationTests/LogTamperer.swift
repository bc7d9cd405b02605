import Foundation
import GRDB

/// Edits a broker's SQLite file behind its back, as someone with access to the disk could: the
/// append-only triggers are dropped first, since they exist to stop accidents, not attackers.
///
/// Only the entry rows change. The stored Merkle nodes and signed checkpoints stay as they were,
/// so the signature still covers the true root and recomputing it from the entries must disagree.
struct LogTamperer {
    let path: String

    /// The broker's database file inside a `LocalStack` work directory.
    init(stack work: URL) {
        path = work.appendingPathComponent("data/samtykke.sqlite").path
    }

    private func open() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs `edit` with the log's triggers gone, in one transaction.
    func tamper(_ edit: (Database) throws -> Void) throws {
        try open().write { db in
            for action in ["update", "delete"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS auditEntry_no_\(action)")
            }
            try edit(db)
        }
    }

    func leaf(_ index: Int, _ db: Database) throws -> [UInt8] {
        Array(try Data.fetchOne(db, sql: "SELECT leaf FROM auditEntry WHERE idx = ?", arguments: [index])!)
    }

    func setLeaf(_ index: Int, _ leaf: [UInt8], _ db: Database) throws {
        try db.execute(sql: "UPDATE auditEntry SET leaf = ? WHERE idx = ?", arguments: [Data(leaf), index])
    }

    /// Deletes the opening of entry `index`, as forgetting does, but without the `consent.forgotten` entry.
    func deleteOpening(_ index: Int) throws {
        try open().write { db in try db.execute(sql: "DELETE FROM entryOpening WHERE idx = ?", arguments: [index]) }
    }

    /// Files the opening of entry `index` under another person, so the broker's answers to its own
    /// person (access log, openings) leave the entry out.
    func moveOpening(_ index: Int, to person: String) throws {
        try open().write { db in try db.execute(sql: "UPDATE entryOpening SET personId = ? WHERE idx = ?", arguments: [person, index]) }
    }

    /// Gives every person a new subject key, so the broker's keys no longer make the tags in the log.
    func replaceSubjectKeys() throws {
        try open().write { db in try db.execute(sql: "UPDATE subjectKey SET key = randomblob(32)") }
    }

    /// Puts an ended consent back to active behind the broker's state machine.
    func reactivate(_ consent: String) throws {
        try open().write { db in try db.execute(sql: "UPDATE consent SET status = 'active' WHERE id = ?", arguments: [consent]) }
    }

    func size() throws -> Int {
        try open().read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM auditEntry")! }
    }

    /// A consistent copy of the live database (SQLite's online backup: no torn pages, WAL included).
    func snapshot(to copy: String) throws {
        try open().backup(to: DatabaseQueue(path: copy))
    }

    /// Puts a snapshot back into the live database while the broker keeps running, as restoring
    /// an old backup would.
    func restore(from copy: String) throws {
        try DatabaseQueue(path: copy).backup(to: open())
    }
}
