import Foundation
import SamtykkeApp
import TestSupport

/// Which store the integration suite's brokers use (`BrokerBackend`), and the stores and flags a
/// test's broker gets from it.
enum TestBackend {
    /// The backend a test needs: the run's, or one the test is about.
    enum Choice: Sendable { case configured, sqlite, postgres }

    static func store(in dir: URL, _ choice: Choice = .configured) async throws -> StoreLocation {
        switch choice {
        case .configured: try await store(in: dir, BrokerBackend.isPostgres ? .postgres : .sqlite)
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
