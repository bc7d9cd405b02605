import ArgumentParser
import Logging
import SamtykkeApp
import SamtykkeStore

/// Where the store is: `--data-dir` (SQLite) or `--database` (PostgreSQL). Opening it needs no key:
/// registering a party writes no log entry.
struct StoreFlags: ParsableArguments {
    @Option(help: "Directory for the SQLite database (SAMTYKKE_DATA_DIR).")
    var dataDir: String?
    @Option(help: "PostgreSQL instead of SQLite: postgres://USER[:PASS]@HOST:PORT/DB (SAMTYKKE_DATABASE).")
    var database: String?

    mutating func validate() throws {
        try Env.fill(&dataDir, "data-dir")
        try Env.fill(&database, "database")
    }

    /// Exactly one of the two. Not checked by `validate()`, which runs before the command's own:
    /// each command asks once its own flags are judged.
    func location() throws -> StoreLocation {
        do throws(StoreLocationError) {
            return try StoreLocation(dataDir: dataDir, database: database)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Runs `body` with the store open.
    func with<T: Sendable>(_ body: @Sendable (any Store) async throws -> T) async throws -> T {
        try await OpenedStore.with(try location(), logger: makeLogger("samtykke.store", level: .error), body)
    }
}
