import Foundation
import GRDB
import SQLiteStore
import SamtykkeStore
import TestSupport
import Testing

/// The backends the contract runs over. PostgreSQL joins when `SAMTYKKE_TEST_DATABASE_URL` names a
/// server (CI always starts one through `scripts/with-postgres`).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static var available: [Backend] {
        PostgresTestDatabase.serverURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

/// A fresh store of one backend, and raw SQL on it as someone with database access would send.
struct TestStore: Sendable {
    let store: any Store
    let execute: @Sendable (String) async throws -> Void
    /// The SQLite database file, for tests that read the files themselves; nil on PostgreSQL.
    var sqlitePath: String? = nil

    static func with<T: Sendable>(_ backend: Backend, _ body: (TestStore) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite:
            let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("samtykke-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("test.sqlite").path
            let store = try SQLiteStore(path: path)
            let raw = try DatabaseQueue(path: path)
            return try await body(TestStore(store: store, execute: { sql in try await raw.write { try $0.execute(sql: sql) } }, sqlitePath: path))
        case .postgres:
            return try await PostgresTestDatabase.with { store, execute in
                try await body(TestStore(store: store, execute: execute))
            }
        }
    }
}
