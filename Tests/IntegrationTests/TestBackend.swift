import Foundation
import SamtykkeApp
import TestSupport

/// Which store the integration suite's brokers use: SQLite in the test's directory, or, when CI runs
/// the suite a second time with `SAMTYKKE_TEST_BACKEND=postgres`, a fresh PostgreSQL database.
enum TestBackend {
    static var isPostgres: Bool { ProcessInfo.processInfo.environment["SAMTYKKE_TEST_BACKEND"] == "postgres" }

    /// The backend a test needs: the run's, or one the test is about.
    enum Choice: Sendable { case configured, sqlite, postgres }

    static func store(in dir: URL, _ choice: Choice = .configured) async throws -> StoreLocation {
        switch choice {
        case .configured: try await store(in: dir, isPostgres ? .postgres : .sqlite)
        case .sqlite: .sqlite(directory: dir.appendingPathComponent("data").path)
        case .postgres: .postgres(url: try await PostgresTestDatabase.create().url)
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
