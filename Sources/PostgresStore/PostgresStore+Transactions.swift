import PostgresNIO
import SamtykkeStore

extension PostgresStore {
    /// SQLSTATEs after which running the same transaction again may succeed: a serialization failure
    /// and a deadlock victim. Nothing of the aborted attempt was written.
    private static let retryableStates: Set<String> = ["40001", "40P01"]
    private static let maxAttempts = 5

    /// Runs `body` in one transaction; rolls back if it throws. A transaction PostgreSQL aborted as a
    /// serialization failure or deadlock is run again, a few times, after a short random pause so two
    /// colliding instances do not collide again in step.
    func transaction<T: Sendable>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch {
                let cause = Self.cause(of: error)
                if attempt < Self.maxAttempts, let state = (cause as? PSQLError)?.serverInfo?[.sqlState], Self.retryableStates.contains(state) {
                    logger.debug("transaction aborted, running it again", metadata: ["operation": "\(operation)", "sqlState": "\(state)"])
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 << attempt))))
                    attempt += 1
                    continue
                }
                throw Self.mapped(cause, operation: operation)
            }
        }
    }

    /// Runs `body` (one statement, or reads that need no transaction) with errors mapped as above.
    func mapErrors<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.mapped(Self.cause(of: error), operation: operation)
        }
    }

    /// What went wrong inside postgres-nio's transaction wrapper: the body's own error (a
    /// `StorageError` or `StoreFailure` passes through as itself), else the failed COMMIT or BEGIN.
    private static func cause(of error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error
    }

    /// A PostgreSQL error as a `StoreFailure` caused by `PostgresStoreError`, with the server's
    /// message and SQLSTATE; postgres-nio hides those from `description` because its debug text may
    /// hold bound values.
    private static func mapped(_ error: any Error, operation: String) -> any Error {
        guard let error = error as? PSQLError else { return error }
        let message = error.serverInfo?[.message] ?? "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        let cause = PostgresStoreError.database(operation: operation, sqlState: error.serverInfo?[.sqlState], message: message)
        return StoreFailure(.unavailable, cause.description, cause: cause)
    }
}
