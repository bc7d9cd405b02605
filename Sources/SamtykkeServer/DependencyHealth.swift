import Logging
import Metrics

/// Whether one thing the broker depends on (the database, the agency, a witness) answers, as its
/// last probe or the broker's own last call found it. Each observation sets the dependency's
/// `*_up` gauge; a change of state is logged once (a failure at `error` with what failed, a
/// recovery at `info`), never once per request or probe.
package actor DependencyHealth {
    /// What the log and `/readyz` call it: `database`, `agency`, `witness`.
    let name: String
    private let gauge: Gauge
    private let metadata: Logger.Metadata
    private let logger: Logger
    /// Nil when the dependency answered, else why not; nil for a dependency only observed (witnesses).
    private let check: (@Sendable () async -> String?)?
    private let deadline: Duration
    private var last: (at: ContinuousClock.Instant, problem: String?)?
    /// The check in flight and when it was asked: one at a time, so a dependency that hangs is asked
    /// once, not once per probe.
    private var pending: (task: Task<String?, Never>, askedAt: ContinuousClock.Instant)?

    init(
        name: String, gauge: Gauge, metadata: Logger.Metadata = [:], logger: Logger, deadline: Duration = .seconds(1),
        check: (@Sendable () async -> String?)? = nil
    ) {
        self.name = name
        self.gauge = gauge
        self.metadata = metadata
        self.logger = logger
        self.deadline = deadline
        self.check = check
    }

    /// Nil when the dependency answers, else why not: the last word if it is younger than `maxAge`,
    /// else a check's, which takes at most `deadline` however long the dependency takes. A caller
    /// that cannot wait that long (`/readyz`) gives `waitingAtMost`: past it, it gets the last word
    /// (or that there was no answer yet), and the check runs on for the next caller to settle.
    package func problem(maxAge: Duration, waitingAtMost patience: Duration? = nil) async -> String? {
        if let last, last.at.duration(to: .now) < maxAge { return last.problem }
        guard let check else { return last?.problem }
        let running = pending ?? (Task { await check() }, .now)
        pending = running
        let limit = min(patience ?? deadline, deadline)
        guard let answered = await answer(of: running.task, within: limit) else {
            guard limit < deadline else {
                observe("no answer within \(deadline.seconds) s", seenAt: running.askedAt)
                return last?.problem
            }
            return last.map(\.problem) ?? "no answer within \(limit.seconds) s"
        }
        if pending?.task == running.task { pending = nil }
        observe(answered, seenAt: running.askedAt)
        return last.map(\.problem) ?? answered
    }

    /// What a check, a probe or a real call showed at `seenAt`. A word older than the last one is
    /// dropped: a check asked before the migrations finished must not undo the "available" they
    /// reported while it ran (that flap was logged as an outage of its own).
    package func observe(_ problem: String?, seenAt: ContinuousClock.Instant = .now) {
        if let last, last.at > seenAt { return }
        gauge.record(problem == nil ? 1 : 0)
        let wasUp = last.map { $0.problem == nil }
        last = (seenAt, problem)
        var metadata = metadata
        if let problem {
            guard wasUp != false else { return }
            metadata["error"] = .string(problem)
            logger.error("\(name) unavailable", metadata: metadata)
        } else if wasUp == false {
            logger.info("\(name) available again", metadata: metadata)
        }
    }

    /// Sets the gauge from the last word again, asking nothing: the gauges are one per process, so a
    /// scrape re-asserts this broker's view over any other in the same process (the tests' stacks).
    func republish() {
        if let last { gauge.record(last.problem == nil ? 1 : 0) }
    }

    /// The last word, without asking: nil before the first.
    var lastProblem: String?? { last.map(\.problem) }
}
