import Foundation
import GRDB

/// Copies of a SQLite store an operator can trust: taken with SQLite's online backup API, so a
/// running broker's database is copied as one consistent snapshot (a read transaction holds it for
/// the whole copy while commits go on), and written so that the file at its name is either absent
/// or complete: into a temporary file, fsynced, renamed, and the directory fsynced.
public enum SQLiteBackup {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Backs up the database at `database` to `file`, mode 0600.
    public static func backup(database: String, to file: String) throws(Failure) {
        guard FileManager.default.fileExists(atPath: database) else { throw Failure(description: "no database at \(database)") }
        try durably(file) { temporary in
            var configuration = Configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: database, configuration: configuration)
            let copy = try DatabaseQueue(path: temporary)
            try source.backup(to: copy)
            // The copy carries the source's WAL setting; back to a rollback journal, so that all of it
            // is in the one file that is renamed.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            try source.close()
        }
    }

    /// Puts the backup `file` in place as the database `database`, which must not exist yet.
    public static func restore(from file: String, to database: String) throws(Failure) {
        guard FileManager.default.fileExists(atPath: file) else { throw Failure(description: "no backup at \(file)") }
        try durably(database) { temporary in
            var configuration = Configuration()
            configuration.readonly = true
            let backup = try DatabaseQueue(path: file, configuration: configuration)
            let check = try backup.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
            guard check == "ok" else { throw Failure(description: "\(file) is damaged: \(check ?? "no answer")") }
            let copy = try DatabaseQueue(path: temporary)
            try backup.backup(to: copy)
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            try backup.close()
        }
    }

    /// Runs `write` on a fresh temporary file beside `path`, then makes it `path` durably.
    private static func durably(_ path: String, _ write: (String) throws -> Void) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        do {
            try write(temporary)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else { throw Failure(description: "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))") }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error as? Failure ?? Failure(description: "\(error)")
        }
        let directoryHandle = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryHandle >= 0 else { throw Failure(description: "cannot open \(directory)") }
        defer { close(directoryHandle) }
        guard fsync(directoryHandle) == 0 else { throw Failure(description: "cannot fsync \(directory)") }
    }
}
