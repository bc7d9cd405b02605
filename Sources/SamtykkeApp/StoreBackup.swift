import Foundation
import SQLiteStore

/// `samtykke backup` and `restore` for the SQLite store. PostgreSQL has its own tools, which also
/// give point-in-time recovery; the README says how to use them.
public enum StoreBackup {
    public enum Failure: Error, CustomStringConvertible {
        case postgres
        case databaseExists(directory: String)

        public var description: String {
            switch self {
            case .postgres: "back up and restore a PostgreSQL store with pg_dump and pg_restore (README: Backups)"
            case .databaseExists(let directory): "\(directory) already holds a database; restore into a new data directory"
            }
        }
    }

    /// A consistent copy of the store at `location`, written to `file` (mode 0600) while a broker
    /// may be running on it.
    public static func backup(_ location: StoreLocation, to file: String) throws {
        guard case .sqlite(let directory) = location else { throw Failure.postgres }
        try SQLiteBackup.backup(database: StoreLocation.sqliteFile(in: directory), to: file)
    }

    /// Puts the backup `file` in place as the store at `location`, a data directory without a
    /// database (created private if missing).
    public static func restore(from file: String, to location: StoreLocation) throws {
        guard case .sqlite(let directory) = location else { throw Failure.postgres }
        try OpenedStore.privateDirectory(directory)
        let database = StoreLocation.sqliteFile(in: directory)
        guard !["", "-wal", "-journal"].contains(where: { FileManager.default.fileExists(atPath: database + $0) }) else {
            throw Failure.databaseExists(directory: directory)
        }
        try SQLiteBackup.restore(from: file, to: database)
    }
}
