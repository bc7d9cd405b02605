import Foundation
import ChildProcess
import Logging
import PostgresNIO
import PostgresStore

/// The PostgreSQL server the tests use, from `SAMTYKKE_TEST_DATABASE_URL` (`scripts/with-postgres`
/// sets it). Each test gets a database of its own, so tests run in parallel and never see each other.
public enum PostgresTestDatabase {
    public static let variable = "SAMTYKKE_TEST_DATABASE_URL"
    public static let skipReason = "\(variable) is not set: run the PostgreSQL tests with scripts/with-postgres swift test"

    /// The server `scripts/with-postgres` started, if any.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether a server is configured; says why not, once, so a skipped run is never mistaken for a
    /// passing one.
    public static let isConfigured: Bool = {
        if serverURL == nil { print("PostgreSQL tests skipped: \(skipReason)") }
        return serverURL != nil
    }()

    public static let logger = Logger(label: "samtykke.test.postgres")

    public struct SQLRefused: Error, CustomStringConvertible, CustomDebugStringConvertible {
        public let sql: String
        public let message: String
        public var description: String { "PostgreSQL refused \(sql): \(message)" }
        public var debugDescription: String { description }
    }

    /// A new, empty database; returns its URL. It lives until dropped or until the server goes.
    public static func create() async throws -> (name: String, url: String) {
        try await create(copying: nil)
    }

    /// A new database holding the schema `PostgresStore.migrate()` makes, for a test about what comes
    /// after: a copy of one migrated per test process, since migrating each new database was a quarter
    /// of the server's work in a test run. Tests of migrating itself start from `create()`. The
    /// migrated one stays, as every test's database does, until the throwaway server goes.
    public static func createMigrated() async throws -> (name: String, url: String) {
        try await create(copying: try await migrated.value)
    }

    private static let migrated = Task { () async throws -> String in
        let (name, url) = try await create(copying: nil)
        try await PostgresStore(url: url, logger: logger).withRunning { try await $0.migrate() }
        return name
    }

    /// The server's URL, read once: each new database is named in it, and `administer` connects with it.
    private struct Server {
        let url: URLComponents
        let host: String
        let port: Int
        let user: String
    }

    private static let server: Result<Server, SQLRefused> = {
        guard let server = serverURL else { return .failure(SQLRefused(sql: "", message: skipReason)) }
        guard let url = URLComponents(string: server), let host = url.host, let port = url.port, let user = url.user else {
            return .failure(SQLRefused(sql: "", message: "\(variable) must name a user, host and port: postgres://USER@HOST:PORT/DB"))
        }
        return .success(Server(url: url, host: host, port: port, user: user))
    }()

    private static func create(copying template: String?) async throws -> (name: String, url: String) {
        var parts = try Self.server.get().url
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        // A database still connected to the template makes this wait for those connections to close:
        // the migrated one's pool closes them as its `withRunning` ends.
        try await administer("CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? ""))
        parts.path = "/" + name
        guard let url = parts.string else { throw SQLRefused(sql: "", message: "cannot name database \(name) in \(serverURL ?? "")") }
        return (name, url)
    }

    /// Runs `sql` on a connection of its own to the server's database: creating and dropping
    /// databases, hundreds in a run, each a `psql` process before.
    private static func administer(_ sql: String) async throws {
        let server = try Self.server.get()
        let configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.user, password: server.url.password, database: String(server.url.path.dropFirst()),
            tls: .disable
        )
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw SQLRefused(sql: sql, message: String(reflecting: error))
        }
        try await connection.close()
    }

    /// Runs `body` with the URL of a new database, empty or (`migrated`) with the schema, and drops
    /// the database after, also when `body` throws.
    public static func withFresh<T: Sendable>(migrated: Bool = false, _ body: (String) async throws -> T) async throws -> T {
        let (name, url) = try await migrated ? createMigrated() : create()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(url))
        } catch {
            result = .failure(error)
        }
        try await administer("DROP DATABASE \(name) WITH (FORCE)")
        return try result.get()
    }

    /// A fresh, migrated database with a running store on it, and raw SQL on that database.
    public static func with<T: Sendable>(_ body: (PostgresStore, @escaping @Sendable (String) async throws -> Void) async throws -> T) async throws -> T {
        try await withFresh(migrated: true) { url in
            try await PostgresStore(url: url, logger: logger).withRunning { store in
                try await store.migrate()
                return try await body(store) { sql in try await psql(url, sql) }
            }
        }
    }

    /// Runs `sql` with `psql` on the database at `url`; throws its error output when it fails.
    public static func psql(_ url: String, _ sql: String) async throws {
        let result = try await Command.run("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-c", sql])
        guard result.status == 0 else { throw SQLRefused(sql: sql, message: result.stderr) }
    }
}
