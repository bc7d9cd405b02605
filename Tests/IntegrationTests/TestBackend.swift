import Foundation
import SamtykkeApp
import TestSupport

/// Which store the integration suite's brokers use: SQLite in the test's directory, or, when CI runs
/// the suite a second time with `SAMTYKKE_TEST_BACKEND=postgres`, a fresh PostgreSQL database.
///
/// `SAMTYKKE_TEST_BACKEND_FILE` names a file holding the same word instead, read when the run starts.
/// CI uses it: `swift test` evaluates every package manifest again when its environment changes, and
/// the new build plan orders some packages' trait flags differently and recompiles those modules,
/// which cost the second run close to a minute.
enum TestBackend {
    static let isPostgres: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if let backend = environment["SAMTYKKE_TEST_BACKEND"] { return backend == "postgres" }
        guard let file = environment["SAMTYKKE_TEST_BACKEND_FILE"], let backend = try? String(contentsOfFile: file, encoding: .utf8) else {
            return false
        }
        return backend.trimmingCharacters(in: .whitespacesAndNewlines) == "postgres"
    }()

    /// The backend a test needs: the run's, or one the test is about.
    enum Choice: Sendable { case configured, sqlite, postgres }

    static func store(in dir: URL, _ choice: Choice = .configured) async throws -> StoreLocation {
        switch choice {
        case .configured: try await store(in: dir, isPostgres ? .postgres : .sqlite)
        case .sqlite: .sqlite(directory: dir.appendingPathComponent("data").path)
        case .postgres: .postgres(url: try await PostgresTestDatabase.createMigrated().url)
        }
    }

    /// The flags of a command that opens `location`.
    static func flags(_ location: StoreLocation) -> [String] {
        switch location {
        case .sqlite(let directory): ["--data-dir", directory]
        case .postgres(let url): ["--database", url]
        }
    }
}
