import Foundation
import Logging
import PostgresStore
import SQLiteStore
import SamtykkeStore
import ServiceLifecycle

/// An open store and the services it needs running while it is used (PostgreSQL's connection pool).
public struct OpenedStore: Sendable {
    public let store: any Store
    public let services: [any Service]

    /// Opens and migrates the store at `location`. SQLite's directory is created private (0700), and
    /// an existing one that other users can read is refused; its database file is created 0600.
    public static func open(_ location: StoreLocation, logger: Logger) async throws -> OpenedStore {
        switch location {
        case .sqlite(let directory):
            try privateDirectory(directory)
            let database = StoreLocation.sqliteFile(in: directory)
            try privateFile(database)
            return OpenedStore(store: try SQLiteStore(path: database), services: [])
        case .postgres(let url):
            let store = try PostgresStore(url: url, logger: logger)
            return OpenedStore(store: store, services: [store.service])
        }
    }

    /// Creates `directory` 0700 if it is missing and refuses it if other users can read it.
    static func privateDirectory(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let mode = (try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int) ?? 0
        guard mode & 0o077 == 0 else { throw StoreLocationError.notPrivate(directory: directory, mode: mode) }
    }

    /// Creates the database file 0600 if it is missing, before SQLite would create it 0644 less the
    /// umask; SQLite gives the database's `-wal` and `-shm` files the database file's mode. (A umask
    /// set here would be the whole process's, and change the mode of every file it makes.)
    static func privateFile(_ path: String) throws {
        let file = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if file >= 0 {
            close(file)
        } else if errno != EEXIST {
            throw StoreLocationError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Runs `body` with the store at `location` open, its services running, and stops them after:
    /// for commands that use the store briefly (`bank add`, `auditor add`).
    public static func with<T: Sendable>(_ location: StoreLocation, logger: Logger, _ body: @Sendable (any Store) async throws -> T) async throws -> T {
        let opened = try await open(location, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            for service in opened.services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            try await opened.prepare()
            return try await body(opened.store)
        }
    }

    /// What the start-up log line calls the backend.
    public var backend: String { store is PostgresStore ? "postgresql" : "sqlite" }

    /// Work that needs the services running (PostgreSQL's migrations run over its pool).
    public func prepare() async throws {
        try await store.migrate()
    }
}
