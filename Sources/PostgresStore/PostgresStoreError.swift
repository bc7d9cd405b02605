/// What PostgreSQL refused: a `--database` URL it cannot take, or the cause of a `StoreFailure`
/// (a statement the server refused or failed, a connection that failed).
public enum PostgresStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--database` is not `postgres://USER[:PASS]@HOST:PORT/DB`.
    case invalidURL(reason: String)
    /// The server refused or failed a statement. `sqlState` is the SQLSTATE code when the server sent
    /// one (nil when the connection itself failed); `message` is the server's text, which names no
    /// bound value.
    case database(operation: String, sqlState: String?, message: String)

    public var description: String {
        switch self {
        case .invalidURL(let reason):
            "the database URL must look like postgres://USER[:PASS]@HOST:PORT/DB: \(reason)"
        case .database(let operation, let sqlState, let message):
            "PostgreSQL failed to \(operation)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "") + ": \(message)"
        }
    }
}
