import Logging
import SamtykkeStore
import ServiceLifecycle
import Synchronization

/// Prepares the store (PostgreSQL's migrations) beside the server rather than before it: a broker
/// started before its database binds its port at once, answers `/healthz`, `/readyz` (503, naming
/// the database) and `/metrics`, and tries again every second until the database comes; then it
/// opens `prepared` and is ready. A schema the store refuses to migrate is no absence that waiting
/// cures: logged once, it stays the database's answer on `/readyz` until an operator mends it and
/// restarts the broker.
struct StorePreparation: Service, CustomStringConvertible {
    let prepare: @Sendable () async throws -> Void
    let prepared: StartupGate
    let database: DependencyHealth
    let logger: Logger
    /// Called once prepared (and the server bound): what `buildApplication`'s `onServerRunning` promises.
    let ready: @Sendable () async -> Void

    var description: String { "StorePreparation" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await prepare()
                    prepared.open()
                    // The migrations' answer is the database's: ready at once, not at the next check.
                    await database.observe(nil)
                    await ready()
                    return
                } catch is CancellationError {
                    return
                } catch let failure as StoreFailure where failure.kind == .schema {
                    prepared.refuse(failure.description)
                    // Logged once: by the database's own line when this turns it unavailable, else here.
                    let wasDown = await database.lastProblem.map { $0 != nil } ?? false
                    await database.observe(failure.description)
                    if wasDown { logger.error("database unavailable", metadata: ["error": "\(failure)"]) }
                    return
                } catch {
                    await database.observe("\(error)")
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        // A service that returns would end the application: this one stays until shutdown.
        try? await gracefulShutdown()
    }
}

/// The port the server bound, once it has.
final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int) { port.withLock { $0 = value } }

    /// Nil when the task is cancelled first (shutdown before the server bound).
    func value() async -> Int? {
        while !Task.isCancelled {
            if let bound = port.withLock({ $0 }) { return bound }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
