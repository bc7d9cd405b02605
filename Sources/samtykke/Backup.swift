import ArgumentParser
import SamtykkeApp

/// `samtykke backup`: a consistent copy of the SQLite store, taken while the broker runs.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite store, consistently, while the broker runs (PostgreSQL: pg_dump).",
        discussion: "The copy is written to a temporary file, fsynced and renamed, mode 0600."
    )

    @OptionGroup var store: StoreFlags
    @Option(help: "The backup file to write.")
    var out: String

    func run() async throws {
        try await reportingErrors {
            try StoreBackup.backup(try store.location(), to: out)
            print("backed up to \(out)")
        }
    }
}

/// `samtykke restore`: a backup put back as the store of a new data directory.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup back as the SQLite store of a data directory that has none (PostgreSQL: pg_restore)."
    )

    @OptionGroup var store: StoreFlags
    @Option(help: "The backup file to restore.")
    var from: String

    func run() async throws {
        try await reportingErrors {
            try StoreBackup.restore(from: from, to: try store.location())
            print("restored \(from)")
        }
    }
}
