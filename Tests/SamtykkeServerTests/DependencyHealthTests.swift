import Logging
import Metrics
import Synchronization
import Testing
import TestSupport

@testable import SamtykkeServer

/// What `/readyz` and the log say about a dependency when words about it arrive out of order.
@Suite(.sameOnEveryBackend) struct DependencyHealthTests {
    /// The database comes up while a background check is in flight: the check was asked before the
    /// migrations finished and answers "not migrated", after they reported the database available.
    /// That older word must not undo the newer one, or the log shows an outage that never was (a
    /// full run once counted three "unavailable" lines for two outages).
    @Test func aCheckAskedBeforeANewerWordDoesNotUndoIt() async throws {
        let lines = LoggedLines()
        let check = HeldCheck()
        let health = DependencyHealth(
            // A series of a family with HELP: the registry is the process's, and `promtoolAcceptsTheScrape` lints it.
            name: "database", gauge: Gauge(label: SamtykkeMetrics.witnessUp, dimensions: [("witness", "dependency-health-test")]),
            logger: Logger(label: "test") { _ in lines },
            deadline: .seconds(30)
        ) { await check.answer("the schema is not migrated yet") }
        await health.observe("connection refused")

        async let asked = health.problem(maxAge: .zero)
        await check.untilAsked()
        await health.observe(nil)
        check.release()

        #expect(await asked == nil)
        #expect(await health.lastProblem == .some(nil))
        #expect(lines.messages == ["database unavailable", "database available again"])
        // A failure at `error`, with what failed; the recovery at `info`.
        #expect(lines.levels == [.error, .info])
        #expect(lines.errors == ["connection refused", nil])
    }
}

/// A check that answers only when released, and says when it has been asked.
private final class HeldCheck: Sendable {
    private let state = Mutex((asked: false, released: false))

    func answer(_ problem: String?) async -> String? {
        state.withLock { $0.asked = true }
        while !state.withLock({ $0.released }) { try? await Task.sleep(for: .milliseconds(5)) }
        return problem
    }

    func untilAsked() async {
        while !state.withLock({ $0.asked }) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func release() { state.withLock { $0.released = true } }
}

/// The messages logged through it, in order.
private final class LoggedLines: LogHandler, Sendable {
    private let logged = Mutex<[(level: Logger.Level, message: String, error: String?)]>([])
    var messages: [String] { logged.withLock { $0.map(\.message) } }
    var levels: [Logger.Level] { logged.withLock { $0.map(\.level) } }
    var errors: [String?] { logged.withLock { $0.map(\.error) } }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        logged.withLock { $0.append((event.level, event.message.description, event.metadata?["error"]?.description)) }
    }
}
