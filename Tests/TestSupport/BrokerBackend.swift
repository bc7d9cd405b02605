import Foundation
import Testing

/// Which store the integration suite's brokers use in this run: SQLite, or PostgreSQL when
/// `SAMTYKKE_TEST_BACKEND=postgres`. `SAMTYKKE_TEST_BACKEND_FILE` names a file holding the same word
/// instead, read when the run starts. CI uses it: `swift test` evaluates every package manifest again
/// when its environment changes, and the new build plan orders some packages' trait flags
/// differently and recompiles those modules, which cost the second run close to a minute.
public enum BrokerBackend {
    public static let isPostgres: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if let backend = environment["SAMTYKKE_TEST_BACKEND"] { return backend == "postgres" }
        guard let file = environment["SAMTYKKE_TEST_BACKEND_FILE"], let backend = try? String(contentsOfFile: file, encoding: .utf8) else {
            return false
        }
        return backend.trimmingCharacters(in: .whitespacesAndNewlines) == "postgres"
    }()
}

extension Trait where Self == ConditionTrait {
    /// A suite that runs the same whichever store the brokers use: it tests no broker, or only brokers
    /// on a backend it chooses itself (both, for the storage contract). CI runs `swift test` once per
    /// backend, and running such a suite twice tests nothing new, so it runs only when the brokers
    /// are on SQLite (the default) and is reported as skipped, saying why, when they are on
    /// PostgreSQL: about half of that run's work.
    public static var sameOnEveryBackend: Self {
        .enabled(if: !BrokerBackend.isPostgres, "runs the same on both backends: it ran in the run whose brokers are on SQLite")
    }
}
