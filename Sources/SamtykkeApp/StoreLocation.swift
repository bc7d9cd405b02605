import Foundation

/// Where the broker keeps its data: a SQLite file in a private directory (one instance), or a
/// PostgreSQL database (any number of instances).
public enum StoreLocation: Sendable, Hashable {
    case sqlite(directory: String)
    case postgres(url: String)

    /// From `--data-dir` and `--database`: exactly one of them.
    public init(dataDir: String?, database: String?) throws(StoreLocationError) {
        switch (dataDir, database) {
        case (let dir?, nil): self = .sqlite(directory: dir)
        case (nil, let url?):
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else { throw .notPostgres(url.redactingPassword) }
            self = .postgres(url: url)
        case (nil, nil): throw .missing
        case (_?, _?): throw .both
        }
    }

    /// The SQLite file inside `directory`.
    public static func sqliteFile(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("samtykke.sqlite")
    }
}

public enum StoreLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    case missing
    case both
    case notPostgres(String)
    /// The data directory can be read by other users: the database would be too.
    case notPrivate(directory: String, mode: Int)
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing: "missing --data-dir DIR (SQLite) or --database postgres://USER@HOST:PORT/DB"
        case .both: "give either --data-dir (SQLite) or --database (PostgreSQL), not both"
        case .notPostgres(let url): "--database \(url) is not a postgres:// URL"
        case .notPrivate(let directory, let mode):
            "data directory \(directory) has mode \(String(mode, radix: 8)); other users could read the database: chmod 700 it"
        case .cannotCreate(let path, let reason): "cannot create the database \(path): \(reason)"
        }
    }
}

extension String {
    /// The URL with any password replaced, for error messages and logs.
    var redactingPassword: String {
        guard var parts = URLComponents(string: self), parts.password != nil else { return self }
        parts.password = "***"
        return parts.string ?? self
    }
}
