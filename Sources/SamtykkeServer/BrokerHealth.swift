import AgencyClient
import Foundation
import Logging
import Metrics
import SamtykkeStore
import Synchronization
import TransparencyLog

/// What `/readyz`, `/metrics` and the log know about the broker's dependencies: one per
/// application, shared by its routes and its background services.
final class BrokerHealth: Sendable {
    let database: DependencyHealth
    let agency: DependencyHealth
    /// In `witnessURLs` order.
    let witnesses: [DependencyHealth]
    let prepared: StartupGate
    /// With release against the log (SPEC §5): the agency's policy, which the witnesses must meet.
    private let release: AgencyLogPolicy?
    /// The witnesses the submitter sends checkpoints to (`Broker.witnessURLs`).
    private let witnessURLs: [String]

    init(
        store: any StoreHealth, agency: any TaxAgency, agencyProbeDeadline: Duration, witnessURLs: [String], release: AgencyLogPolicy?,
        prepared: StartupGate, logger: Logger
    ) {
        SamtykkeMetrics.registerSeries()
        database = DependencyHealth(name: "database", gauge: Gauge(label: SamtykkeMetrics.databaseUp), logger: logger, deadline: Self.databaseDeadline) {
            do {
                try await store.ping()
            } catch {
                return "\(error)"
            }
            return prepared.isOpen ? nil : prepared.refusal ?? "the schema is not migrated yet"
        }
        self.agency = .agency(agency, probeDeadline: agencyProbeDeadline, logger: logger)
        witnesses = witnessURLs.map { url in
            DependencyHealth(
                name: "witness", gauge: Gauge(label: SamtykkeMetrics.witnessUp, dimensions: [("witness", "\(url)")]),
                metadata: ["witness": "\(url)"], logger: logger
            )
        }
        self.prepared = prepared
        self.release = release
        self.witnessURLs = witnessURLs
    }

    /// For `/readyz`: nil when the broker needs no witness (release against the log is off) or the
    /// witnesses that answered last meet the agency's quorum; else why not, naming those that did
    /// not answer. Without that quorum every bundle request fails, so the broker is not ready.
    func witnessProblem() async -> String? {
        guard let release else { return nil }
        var answering: [CosignatureVerifier] = []
        var silent: [String] = []
        for (index, health) in witnesses.enumerated() {
            switch await health.lastProblem {
            case .some(nil): answering.append(release.witnesses[index])
            case .some(let problem?): silent.append("\(witnessURLs[index]) \(problem)")
            case nil: silent.append("\(witnessURLs[index]) not asked yet")
            }
        }
        guard !release.isMet(by: answering) else { return nil }
        return "the witnesses that answer do not meet the agency's quorum (\(silent.joined(separator: "; ")))"
    }

    /// How long a database check may take before the database counts as not answering: long enough
    /// for a ping on a loaded machine that opens a new connection, while `/readyz` never waits
    /// longer than `readinessPatience` for it.
    static let databaseDeadline: Duration = .seconds(2)
    static let readinessPatience: Duration = .milliseconds(800)
}

/// The figures `/metrics` reports from the database (log size, webhook backlog), as the
/// background refresh last read them, so a scrape never waits on the database.
final class StoreFigures: Sendable {
    private struct Figures {
        var readAt: ContinuousClock.Instant
        var logSize: UInt64 = 0
        var backlog = DeliveryBacklog(pending: 0, oldestEventAt: nil)
    }

    /// Counted from start-up until the first read.
    private let figures = Mutex(Figures(readAt: .now))

    func update(logSize: UInt64, backlog: DeliveryBacklog) {
        figures.withLock { figures in
            figures = Figures(readAt: .now, logSize: max(logSize, figures.logSize), backlog: backlog)
        }
    }

    /// A commit of this instance: the log is at least this long, before the next read says so.
    func committed(logSize: UInt64) {
        figures.withLock { $0.logSize = max($0.logSize, logSize) }
    }

    /// Sets the gauges; ages are counted to now, so they grow while the database is away.
    func publish(now: Date) {
        let figures = figures.withLock { $0 }
        Gauge(label: SamtykkeMetrics.logEntries).record(Int64(figures.logSize))
        Gauge(label: SamtykkeMetrics.webhookBacklog).record(figures.backlog.pending)
        Gauge(label: SamtykkeMetrics.webhookOldestPending).record(figures.backlog.oldestEventAt.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        Gauge(label: SamtykkeMetrics.storeFiguresAge).record(figures.readAt.duration(to: .now).seconds)
    }
}
