import Foundation
import Logging
import PostgresStore
import SamtykkeStore
import TestSupport

/// A migrated `PostgresStore` over a fresh database of the test server, running for `body`.
enum PostgresTestDatabase {
    static func with<T: Sendable>(_ body: (any Store, @escaping @Sendable (String) async throws -> Void) async throws -> T) async throws -> T {
        let url = try PostgresTestServer.createDatabase()
        defer { PostgresTestServer.dropDatabase(url) }
        let store = try PostgresStore(url: url, logger: Logger(label: "test.postgres"))
        return try await store.withRunning { store in
            try await store.migrate()
            return try await body(store) { sql in try PostgresTestServer.psql(url, sql) }
        }
    }
}
