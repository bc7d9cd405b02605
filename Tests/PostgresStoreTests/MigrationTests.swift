import Foundation
import PostgresNIO
import SamtykkeStore
@testable import PostgresStore
import Testing
import TestSupport

@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct MigrationTests {
    @Test func migratingAgainChangesNothing() async throws {
        try await PostgresTestDatabase.withFresh { url in
            try await PostgresStore(url: url, logger: PostgresTestDatabase.logger).withRunning { store in
                #expect(try await Migrations.migrate(store.client, database: store.database, logger: store.logger) == Migrations.all.map(\.version))
                #expect(try await Migrations.migrate(store.client, database: store.database, logger: store.logger) == [])
                try await store.migrate()
                let head = try await store.logHead()
                #expect(head.size == 0 && head.checkpoint == nil)
                #expect(try await store.integers("SELECT version FROM schemaMigration ORDER BY version") == Migrations.all.map(\.version))
            }
        }
    }

    /// Two brokers starting at once on an empty database: the advisory lock makes one wait for the
    /// other, so each migration is applied once and neither fails.
    @Test func twoInstancesMigratingTogetherApplyEachMigrationOnce() async throws {
        try await PostgresTestDatabase.withFresh { url in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await PostgresStore(url: url, logger: PostgresTestDatabase.logger).withRunning { store in
                            try await Migrations.migrate(store.client, database: store.database, logger: store.logger)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(applied.sorted() == Migrations.all.map(\.version))
        }
    }
}

extension MigrationTests {
    /// A schema restored without its `schemaMigration` rows: migrating would run the first migration
    /// again and fail on every start, so it is refused as a schema failure, naming the database, and
    /// nothing is changed.
    @Test func tablesWithoutTheirMigrationRowsAreRefusedNotMigratedAgain() async throws {
        try await PostgresTestDatabase.withFresh { url in
            try await PostgresStore(url: url, logger: PostgresTestDatabase.logger).withRunning { store in
                try await store.migrate()
                try await PostgresTestDatabase.psql(url, "DELETE FROM schemaMigration")
                await #expect {
                    try await store.migrate()
                } throws: { error in
                    guard let failure = error as? StoreFailure, failure.kind == .schema else { return false }
                    return failure.description.contains("database \(store.database) ") && failure.description.contains("schemaMigration")
                }
                #expect(try await store.integers("SELECT count(*) FROM schemaMigration") == [0])
                #expect(try await store.logHead().size == 0)
            }
        }
    }
}
