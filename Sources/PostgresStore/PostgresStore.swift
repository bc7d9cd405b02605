import Foundation
import Logging
import PostgresNIO
import SamtykkeStore
import ServiceLifecycle

/// The store for several broker instances: PostgreSQL over a postgres-nio connection pool.
///
/// Every method is one transaction (or one statement). Commits take the log head's row lock first, so
/// brokers sharing a database append to one dense log with one tree; everything else is ordinary row
/// locking. A committed transaction is durable before a method returns: the server runs with
/// `fsync` and `synchronous_commit` as configured by its operator (on, by default).
///
/// The pool works only while its `run()` does: a server runs `service` in its service group; a
/// command or a test wraps its work in `withRunning`.
public final class PostgresStore: Store {
    let client: PostgresClient
    let logger: Logger
    /// The database's name, for messages about it.
    let database: String

    /// Parses `postgres://USER[:PASS]@HOST:PORT/DB` and sets up a pool for it; nothing connects until
    /// the pool runs. TLS is off: for now the database is expected on loopback or a private network.
    public convenience init(url: String, logger: Logger) throws(PostgresStoreError) {
        self.init(try DatabaseURL(parsing: url), logger: logger)
    }

    init(_ url: DatabaseURL, logger: Logger) {
        let configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: .disable
        )
        // postgres-nio logs every message from the server at trace, data rows as hex: rows hold
        // person numbers, subject keys and openings, which no log may (README, "Logs"), so the
        // store's logger stays at debug or above whatever the broker's level.
        var logger = logger
        logger.logLevel = max(logger.logLevel, .debug)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        self.database = url.database
    }

    /// The pool's lifetime, for a ServiceLifecycle service group: connections are made and kept while
    /// it runs, and closed at graceful shutdown.
    public var service: some Service { client }

    /// Runs `body` while the pool runs, then stops the pool: for commands (`bank add`) and tests.
    /// A store's pool runs once, so call this (or run `service`) once per store.
    public func withRunning<T: Sendable>(_ body: (PostgresStore) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await self.client.run() }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }

    public func migrate() async throws {
        _ = try await mapErrors("migrate the schema") {
            try await Migrations.migrate(client, database: database, logger: logger)
        }
    }

    public func ping() async throws {
        _ = try await mapErrors("answer a ping") {
            try await client.query("SELECT 1", logger: logger).collect()
        }
    }
}
