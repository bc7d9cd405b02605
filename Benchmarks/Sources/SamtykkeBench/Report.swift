import Foundation

/// The run's key figures under fixed names: `latest.json`'s top-level `summary`, which other checks
/// read. Ratios are bundles/s at concurrency 64 over the direct-agency baseline at 64 of the same run.
struct Summary: Codable, Sendable {
    var bundleRatioC64: Double
    var bundleP99MsC16: Double
    var durableAppendsPerSecondC64: Double
    var auditVerifyEntriesPerSecond: Double
    var postgresBundleRatioC64: Double
    var twoInstanceBundlesPerSecondC64: Double
    /// Issue 30: bundles/s at concurrency 64 with the bank on DPoP over the same with its API key,
    /// measured one right after the other.
    var dpopBundleRatioC64: Double
    /// Issue 28: bundles/s at concurrency 64 with release against the log (one witness on loopback,
    /// the agency monitoring the log) over the direct-agency baseline at 64, and its p99 at 16.
    var releaseBundleRatioC64: Double
    var releaseBundleP99MsC16: Double
    /// Requests that failed in every measured bundle and baseline window, SQLite and PostgreSQL.
    var failedRequests: Int
    /// The broker's peak resident memory (VmHWM) over the SQLite bundle load, in MB (10^6 bytes), as issue 13 counts it.
    var brokerPeakMemoryMB: Double
    /// Issue 27, the commands over HTTP against a broker serving the v2 log (`auditVerifyEntriesPerSecond`
    /// is the public `audit verify`): `audit verify --auditor-key` with every opening (entries/s), the
    /// citizen's first `consent log --verify` (entries scanned/s) and its second run after 1000 new
    /// entries (seconds). Absent from results older than issue 27.
    var auditVerifyOpenedEntriesPerSecond: Double?
    var citizenVerifyEntriesPerSecond: Double?
    var citizenSecondRunSeconds: Double?

    init(broker: BrokerBench.Results, log: LogBench.Results, audit: AuditResult?, verification: VerificationResult?) {
        let baseline = broker.baseline.first { $0.load.concurrency == 64 }?.load.throughput ?? 0
        func ratio(_ throughput: Double) -> Double { baseline > 0 ? throughput / baseline : 0 }
        bundleRatioC64 = ratio(broker.bundles.first { $0.load.concurrency == 64 }?.load.throughput ?? 0)
        // No level at 16 reads as infinitely slow, never as a met target.
        bundleP99MsC16 = broker.bundles.first { $0.load.concurrency == 16 }?.load.latency.p99Ms ?? .greatestFiniteMagnitude
        durableAppendsPerSecondC64 = log.groupCommit.appendsPerSecond
        auditVerifyEntriesPerSecond = audit?.entriesPerSecond ?? 0
        postgresBundleRatioC64 = ratio(broker.postgres?.oneInstance.load.throughput ?? 0)
        twoInstanceBundlesPerSecondC64 = broker.postgres?.twoInstances.load.throughput ?? 0
        let apiKey64 = broker.bundles.first { $0.load.concurrency == 64 }?.load.throughput ?? 0
        dpopBundleRatioC64 = apiKey64 > 0 ? (broker.dpopBundles?.load.throughput ?? 0) / apiKey64 : 0
        releaseBundleRatioC64 = ratio(broker.release?.levels.first { $0.load.concurrency == 64 }?.load.throughput ?? 0)
        releaseBundleP99MsC16 = broker.release?.levels.first { $0.load.concurrency == 16 }?.load.latency.p99Ms ?? .greatestFiniteMagnitude
        let levels = broker.bundles + broker.baseline + [broker.dpopBundles, broker.postgres?.oneInstance, broker.postgres?.twoInstances].compactMap { $0 }
            + (broker.release?.levels ?? [])
        failedRequests = levels.map(\.load.failed).reduce(0, +)
        // Unknown reads as too much, never as a met target.
        brokerPeakMemoryMB = broker.brokerPeakMemoryKiB.map { Double($0) * 1024 / 1e6 } ?? .greatestFiniteMagnitude
        auditVerifyOpenedEntriesPerSecond = verification?.openedEntriesPerSecond
        citizenVerifyEntriesPerSecond = verification?.citizenEntriesPerSecond
        citizenSecondRunSeconds = verification?.citizenSecondRunSeconds
    }
}

enum Targets {
    /// Issue 13, raised by issue 28: bundles at concurrency 64 against the direct-agency baseline,
    /// and p99 at 16.
    static let bundleRatio = 0.50
    static let bundleP99Ms = 20.0
    /// Issue 28: the same with release against the log.
    static let releaseBundleRatio = 0.40
    static let releaseBundleP99Ms = 30.0
    /// Issue 13: no failed request in any measured window, and the broker under 150 MB at its peak.
    static let failedRequests = 0
    static let brokerPeakMemoryMB = 150.0
    /// Issue 10: durable appends at concurrency 64 with group commit, and bundles on PostgreSQL.
    static let durableAppendsPerSecond = 5_000.0
    static let postgresBundleRatio = 0.30
    /// Issue 27 (was 250,000 in issue 14, on v1 entries): the public `audit verify` end to end over
    /// HTTP against a broker serving the 1,000,000-entry v2 log.
    static let auditVerifyEntriesPerSecond = 500_000.0
    /// Issue 30: the DPoP path costs at most 15% of bundle throughput.
    static let dpopBundleRatio = 0.85
    /// Issue 27: the other verifications of the same log.
    static let auditVerifyOpenedEntriesPerSecond = 200_000.0
    static let citizenVerifyEntriesPerSecond = 500_000.0
    static let citizenSecondRunSeconds = 0.5

    /// Issue 28: bundles with release against the log, at 64 against the baseline and p99 at 16.
    static func releaseTargets(_ report: Report) -> [Target] {
        guard let release = report.broker.release else { return [] }
        let summary = report.summary
        let steps = release.stepsMs.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f ms", $0.key, $0.value) }.joined(separator: ", ")
        return [
            Target(
                name: "bundles with release against the log vs direct agency calls at concurrency 64 (`releaseBundleRatioC64`)",
                goal: String(format: "≥ %.0f%% (issue 28)", releaseBundleRatio * 100),
                measured: String(format: "%.0f%% (%.1f req/s; mean per bundle: %@)", summary.releaseBundleRatioC64 * 100,
                                 release.levels.first { $0.load.concurrency == 64 }?.load.throughput ?? 0, steps),
                met: summary.releaseBundleRatioC64 >= releaseBundleRatio
            ),
            Target(
                name: "bundle p99 latency at concurrency 16 with release against the log (`releaseBundleP99MsC16`)",
                goal: String(format: "< %.0f ms (issue 28)", releaseBundleP99Ms),
                measured: String(format: "%.1f ms", summary.releaseBundleP99MsC16), met: summary.releaseBundleP99MsC16 < releaseBundleP99Ms
            ),
        ]
    }

    static func evaluate(_ report: Report) -> [Target] {
        var targets: [Target] = []
        let bundles = report.broker.bundles
        let baseline = report.broker.baseline
        let summary = report.summary
        if let broker64 = bundles.first(where: { $0.load.concurrency == 64 }), let base64 = baseline.first(where: { $0.load.concurrency == 64 }) {
            targets.append(Target(
                name: "broker throughput vs direct agency calls at concurrency 64 (`bundleRatioC64`)", goal: String(format: "≥ %.0f%% (issues 13, 28)", bundleRatio * 100),
                measured: String(format: "%.0f%% (%.1f vs %.1f req/s)", summary.bundleRatioC64 * 100, broker64.load.throughput, base64.load.throughput),
                met: summary.bundleRatioC64 >= bundleRatio
            ))
        }
        if let broker64 = bundles.first(where: { $0.load.concurrency == 64 }), let dpop = report.broker.dpopBundles {
            targets.append(Target(
                name: "bundles with DPoP vs with an API key at concurrency 64 (`dpopBundleRatioC64`)", goal: String(format: "≥ %.2f (issue 30)", dpopBundleRatio),
                measured: String(format: "%.3f (%.1f vs %.1f bundles/s)", summary.dpopBundleRatioC64, dpop.load.throughput, broker64.load.throughput),
                met: summary.dpopBundleRatioC64 >= dpopBundleRatio
            ))
        }
        targets.append(Target(
            name: "bundle p99 latency at concurrency 16 (`bundleP99MsC16`)", goal: String(format: "< %.0f ms (issues 13, 28)", bundleP99Ms),
            measured: String(format: "%.1f ms", summary.bundleP99MsC16), met: summary.bundleP99MsC16 < bundleP99Ms
        ))
        targets.append(Target(
            name: "failed requests in the measured bundle and baseline windows, SQLite and PostgreSQL (`failedRequests`)", goal: "0 (issue 13)",
            measured: "\(summary.failedRequests)", met: summary.failedRequests == failedRequests
        ))
        targets.append(Target(
            name: "broker peak memory over the bundle load (`brokerPeakMemoryMB`)", goal: String(format: "< %.0f MB (issue 13)", brokerPeakMemoryMB),
            measured: String(format: "%.0f MB", summary.brokerPeakMemoryMB), met: summary.brokerPeakMemoryMB < brokerPeakMemoryMB
        ))
        let group = report.log.groupCommit
        targets.append(Target(
            name: "durable log appends per second at concurrency 64 with group commit, SQLite (`durableAppendsPerSecondC64`)",
            goal: String(format: "≥ %.0f/s (issue 10)", durableAppendsPerSecond),
            measured: String(format: "%.0f/s (%.1f changes per transaction; one at a time %.0f/s)", group.appendsPerSecond, group.meanBatchSize,
                             report.log.oneAtATime.appendsPerSecond),
            met: group.appendsPerSecond >= durableAppendsPerSecond
        ))
        if let postgres = report.broker.postgres {
            targets.append(Target(
                name: "broker throughput on PostgreSQL vs direct agency calls at concurrency 64 (`postgresBundleRatioC64`)",
                goal: String(format: "≥ %.0f%% (issue 10)", postgresBundleRatio * 100),
                measured: String(format: "%.0f%% (%.1f bundles/s; two instances %.1f)", summary.postgresBundleRatioC64 * 100,
                                 postgres.oneInstance.load.throughput, summary.twoInstanceBundlesPerSecondC64),
                met: summary.postgresBundleRatioC64 >= postgresBundleRatio
            ))
        }
        let perBundle = bundles.compactMap(\.handshakesPerRequest)
        if !perBundle.isEmpty {
            let worst = perBundle.max()!
            targets.append(Target(
                name: "TLS handshakes toward the agency per bundle (measured windows)", goal: "close to 0 (≤ 0.01)",
                measured: String(format: "%.4f at worst", worst), met: worst <= 0.01
            ))
        }
        if let audit = report.audit {
            let share = audit.leafBytesPerSecond / report.sha256.bytesPerSecond
            targets.append(Target(
                name: "`samtykke audit verify` of the \(audit.entries)-entry log over HTTP (`auditVerifyEntriesPerSecond`)", goal: String(format: "≥ %.0f entries/s (issue 27)", auditVerifyEntriesPerSecond),
                measured: String(format: "%.0f entries/s (median of %d runs; %.1f%% of the SHA-256 bound, %.1f of %.0f MB/s)",
                                 audit.entriesPerSecond, audit.runSeconds.count, share * 100, audit.leafBytesPerSecond / 1e6, report.sha256.bytesPerSecond / 1e6),
                met: audit.entriesPerSecond >= auditVerifyEntriesPerSecond && audit.verified
            ))
        }
        if let v = report.verification {
            let of = "the \(v.entries)-entry log over HTTP"
            targets += [
                Target(name: "`audit verify --auditor-key` with every opening of \(of) (`auditVerifyOpenedEntriesPerSecond`)",
                       goal: String(format: "≥ %.0f entries/s (issue 27)", auditVerifyOpenedEntriesPerSecond),
                       measured: String(format: "%.0f entries/s (median of %d runs)", v.openedEntriesPerSecond, v.openedRunSeconds.count), met: v.verified && v.openedEntriesPerSecond >= auditVerifyOpenedEntriesPerSecond),
                Target(name: "a citizen's first `consent log --verify` of \(of) (`citizenVerifyEntriesPerSecond`)",
                       goal: String(format: "≥ %.0f entries/s scanned (issue 27)", citizenVerifyEntriesPerSecond),
                       measured: String(format: "%.0f entries/s (%d entries about the citizen)", v.citizenEntriesPerSecond, v.citizenEntriesFound), met: v.citizenEntriesPerSecond >= citizenVerifyEntriesPerSecond),
                Target(name: "its second run after \(v.newEntries) new entries (`citizenSecondRunSeconds`)", goal: String(format: "< %.1f s (issue 27)", citizenSecondRunSeconds),
                       measured: String(format: "%.3f s", v.citizenSecondRunSeconds), met: v.citizenSecondRunSeconds < citizenSecondRunSeconds),
            ]
        }
        if let first = report.log.sizes.first, let last = report.log.sizes.last, last.entries > first.entries {
            // Medians (a mean moves with every time slice another process takes), on the product's path:
            // `UpperTreeLevels` over the store, as the HTTP handlers compute them.
            let growth = [
                last.root.p50Micros / first.root.p50Micros,
                last.inclusion.p50Micros / first.inclusion.p50Micros,
                last.consistency.p50Micros / first.consistency.p50Micros,
            ].max()!
            let direct = [
                last.rootDirect.p50Micros / first.rootDirect.p50Micros,
                last.inclusionDirect.p50Micros / first.inclusionDirect.p50Micros,
                last.consistencyDirect.p50Micros / first.consistencyDirect.p50Micros,
            ].max()!
            let logRatio = log2(Double(last.entries)) / log2(Double(first.entries))
            targets.append(Target(
                name: "root and proof time as the log grows \(first.entries) → \(last.entries) entries",
                goal: String(format: "flat: ≤ 2× (log₂ n grows %.2f×, n grows %.0f×)", logRatio, Double(last.entries) / Double(first.entries)),
                measured: String(format: "%.2f× at most through the store with the upper levels in memory (issue 27); %.2f× with every node read from SQLite on one connection (medians)", growth, direct), met: growth <= 2
            ))
        }
        targets += releaseTargets(report)
        return targets
    }
}

enum Markdown {
    static func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
    static func mb(_ bytes: Double) -> String { String(format: "%.1f", bytes / 1e6) }
    static func mib(_ kib: Int?) -> String { kib.map { String(format: "%.0f MiB", Double($0) / 1024) } ?? "n/a" }

    static func render(_ r: Report) -> String {
        var md: [String] = []
        let m = r.machine
        md.append("# samtykke benchmarks")
        md.append("")
        md.append("Measured by `\(r.command)` on \(r.generatedAt)\(r.quick ? " (**quick mode**: short windows and small logs, not for comparison)" : "") in \(f(r.wallSeconds / 60)) minutes of benchmark time (builds not included). Everything — load generator, broker, mock agency, SQLite — ran on this one machine at the same time, so the figures are for the whole system on 2 cores, not for the broker alone.")
        md.append("")
        md.append("| machine | |")
        md.append("|---|---|")
        md.append("| CPU | \(m.cpuModel)\(m.sha256Acceleration ? " (SHA extensions)" : "") |")
        md.append("| cores | \(m.cores) |")
        md.append("| memory | \(m.memoryGiB) GiB |")
        md.append("| OS, kernel | \(m.os), Linux \(m.kernel) |")
        md.append("| Swift | \(m.swiftVersion) |")
        md.append("| 1-minute load average before the run | \(f(r.loadAverageAtStart, 2))\(r.loadAverageAtStart > 0.5 ? " (other work was running: builds and tests share this machine)" : "") |")
        md.append("")

        md.append("## Targets")
        md.append("")
        md.append("| target | goal | measured | |")
        md.append("|---|---|---|---|")
        for t in r.targets { md.append("| \(t.name) | \(t.goal) | \(t.measured) | \(t.met ? "met" : "**missed**") |") }
        md.append("")

        let s = r.summary
        md.append("## Summary (`summary` in latest.json)")
        md.append("")
        md.append("| key | value | target | |")
        md.append("|---|---:|---|---|")
        func verdict(_ met: Bool) -> String { met ? "met" : "**missed**" }
        md.append("| `bundleRatioC64` | \(f(s.bundleRatioC64, 3)) | ≥ \(f(Targets.bundleRatio, 2)) (issue 13) | \(verdict(s.bundleRatioC64 >= Targets.bundleRatio)) |")
        md.append("| `bundleP99MsC16` | \(f(s.bundleP99MsC16)) ms | < \(f(Targets.bundleP99Ms, 0)) ms (issue 13) | \(verdict(s.bundleP99MsC16 < Targets.bundleP99Ms)) |")
        md.append("| `durableAppendsPerSecondC64` | \(f(s.durableAppendsPerSecondC64, 0)) | ≥ \(f(Targets.durableAppendsPerSecond, 0))/s (issue 10) | \(verdict(s.durableAppendsPerSecondC64 >= Targets.durableAppendsPerSecond)) |")
        md.append("| `auditVerifyEntriesPerSecond` | \(f(s.auditVerifyEntriesPerSecond, 0)) | ≥ \(f(Targets.auditVerifyEntriesPerSecond, 0)) (issue 27) | \(verdict(s.auditVerifyEntriesPerSecond >= Targets.auditVerifyEntriesPerSecond)) |")
        md.append("| `postgresBundleRatioC64` | \(f(s.postgresBundleRatioC64, 3)) | ≥ \(f(Targets.postgresBundleRatio, 2)) (issue 10) | \(verdict(s.postgresBundleRatioC64 >= Targets.postgresBundleRatio)) |")
        md.append("| `dpopBundleRatioC64` | \(f(s.dpopBundleRatioC64, 3)) | ≥ \(f(Targets.dpopBundleRatio, 2)) (issue 30) | \(verdict(s.dpopBundleRatioC64 >= Targets.dpopBundleRatio)) |")
        md.append("| `releaseBundleRatioC64` | \(f(s.releaseBundleRatioC64, 3)) | ≥ \(f(Targets.releaseBundleRatio, 2)) (issue 28) | \(verdict(s.releaseBundleRatioC64 >= Targets.releaseBundleRatio)) |")
        md.append("| `releaseBundleP99MsC16` | \(f(s.releaseBundleP99MsC16)) ms | < \(f(Targets.releaseBundleP99Ms, 0)) ms (issue 28) | \(verdict(s.releaseBundleP99MsC16 < Targets.releaseBundleP99Ms)) |")
        if let v = s.auditVerifyOpenedEntriesPerSecond {
            md.append("| `auditVerifyOpenedEntriesPerSecond` | \(f(v, 0)) | ≥ \(f(Targets.auditVerifyOpenedEntriesPerSecond, 0)) (issue 27) | \(verdict(v >= Targets.auditVerifyOpenedEntriesPerSecond)) |")
        }
        if let v = s.citizenVerifyEntriesPerSecond {
            md.append("| `citizenVerifyEntriesPerSecond` | \(f(v, 0)) | ≥ \(f(Targets.citizenVerifyEntriesPerSecond, 0)) (issue 27) | \(verdict(v >= Targets.citizenVerifyEntriesPerSecond)) |")
        }
        if let v = s.citizenSecondRunSeconds {
            md.append("| `citizenSecondRunSeconds` | \(f(v, 3)) s | < \(f(Targets.citizenSecondRunSeconds, 1)) s (issue 27) | \(verdict(v < Targets.citizenSecondRunSeconds)) |")
        }
        md.append("| `twoInstanceBundlesPerSecondC64` | \(f(s.twoInstanceBundlesPerSecondC64, 0)) | — | |")
        md.append("| `failedRequests` | \(s.failedRequests) | \(Targets.failedRequests) (issue 13) | \(verdict(s.failedRequests == Targets.failedRequests)) |")
        md.append("| `brokerPeakMemoryMB` | \(f(s.brokerPeakMemoryMB, 0)) | < \(f(Targets.brokerPeakMemoryMB, 0)) MB (issue 13) | \(verdict(s.brokerPeakMemoryMB < Targets.brokerPeakMemoryMB)) |")
        md.append("")

        md.append("## Headline figures")
        md.append("")
        md.append("| figure | value |")
        md.append("|---|---:|")
        for b in r.broker.bundles {
            md.append("| bundles/s at concurrency \(b.load.concurrency) (p50 / p99 ms) | \(f(b.load.throughput, 0)) (\(f(b.load.latency.p50Ms)) / \(f(b.load.latency.p99Ms))) |")
        }
        if let d = r.broker.dpopBundles {
            md.append("| bundles/s at concurrency \(d.load.concurrency) with DPoP (p50 / p99 ms), the bank's proofs signed before the window | \(f(d.load.throughput, 0)) (\(f(d.load.latency.p50Ms)) / \(f(d.load.latency.p99Ms))) |")
        }
        for b in r.broker.baseline {
            md.append("| baseline: direct agency requests/s at concurrency \(b.load.concurrency) | \(f(b.load.throughput, 0)) |")
        }
        if let worst = r.broker.bundles.compactMap(\.handshakesPerRequest).max() {
            md.append("| TLS handshakes toward the agency per bundle (worst level) | \(f(worst, 4)) |")
        }
        md.append("| consents created + granted per second (concurrency \(r.broker.consentCreateGrant.concurrency)) | \(f(r.broker.consentCreateGrant.pairsPerSecond, 0)) |")
        md.append("| durable log appends per second, one at a time / 64 at a time with group commit (changes per transaction) | \(f(r.log.oneAtATime.appendsPerSecond, 0)) / \(f(r.log.groupCommit.appendsPerSecond, 0)) (\(f(r.log.groupCommit.meanBatchSize))) |")
        if let pg = r.broker.postgres {
            md.append("| PostgreSQL: bundles/s at concurrency \(pg.oneInstance.load.concurrency), one instance / two instances | \(f(pg.oneInstance.load.throughput, 0)) / \(f(pg.twoInstances.load.throughput, 0)) |")
        }
        if let last = r.log.sizes.last {
            md.append("| inclusion proof at \(last.entries) entries, through `PrefetchedSubtrees` + `SQLiteStore.subtreeHashes` (median µs) | \(f(last.inclusion.p50Micros, 0)) |")
        }
        if let a = r.audit {
            md.append("| `samtykke audit verify` of \(a.entries) entries (s; entries/s) | \(f(a.seconds, 1)); \(f(a.entriesPerSecond, 0)) |")
        }
        md.append("| broker peak memory, VmHWM (bundle load / serving audit verify) | \(mib(r.broker.brokerPeakMemoryKiB)) / \(mib(r.audit?.brokerPeakMemoryKiB)) |")
        md.append("")

        md.append("## Bundles through the broker vs the same requests straight to the agency")
        md.append("")
        md.append("Closed loop: N clients each send the next request when the last one is answered; \(f(r.settings.warmupSeconds)) s warm-up, then \(f(r.settings.measureSeconds)) s measured. Broker: `POST /v1/consents/{id}/bundles` on granted consents (all three scopes, two years, `maxUses` 100, \(r.settings.consents) consents). Baseline: `GET /v1/persons/{pid}/tax-data` to the mock agency over mutual TLS with the broker's client certificate and a consent token signed with the broker's key, the same people, by the same libcurl load generator.")
        md.append("")
        md.append("| concurrency | broker bundles/s | p50 ms | p99 ms | baseline req/s | p50 ms | p99 ms | broker / baseline | agency handshakes per bundle | failed |")
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (b, base) in zip(r.broker.bundles, r.broker.baseline) {
            let ratio = base.load.throughput > 0 ? b.load.throughput / base.load.throughput : 0
            md.append("| \(b.load.concurrency) | \(f(b.load.throughput)) | \(f(b.load.latency.p50Ms)) | \(f(b.load.latency.p99Ms)) | \(f(base.load.throughput)) | \(f(base.load.latency.p50Ms)) | \(f(base.load.latency.p99Ms)) | \(f(ratio * 100, 0))% | \(b.handshakesPerRequest.map { f($0, 4) } ?? "n/a") | \(b.load.failed) / \(base.load.failed) |")
        }
        md.append("")
        md.append("Where the CPU went, in milliseconds of CPU per request (and cores kept busy), over the measured window:")
        md.append("")
        md.append("| concurrency | run | broker | mock agency | load generator | total CPU ms / request | cores busy: ours / everything else |")
        md.append("|---:|---|---:|---:|---:|---:|---:|")
        for (b, base) in zip(r.broker.bundles, r.broker.baseline) {
            for (name, level) in [("broker", b), ("baseline", base)] {
                let total = level.cpuMsPerRequest.values.reduce(0, +)
                let other = level.coresBusy["everything else on the machine"] ?? 0
                let busy = level.coresBusy.values.reduce(0, +) - other
                md.append("| \(level.load.concurrency) | \(name) | \(name == "broker" ? f(level.cpuMsPerRequest["broker"] ?? 0, 2) : "—") | \(f(level.cpuMsPerRequest["agency"] ?? 0, 2)) | \(f(level.cpuMsPerRequest["load generator"] ?? 0, 2)) | \(f(total, 2)) | \(f(busy, 2)) / \(f(other, 2)) |")
            }
        }
        let others = (r.broker.bundles + r.broker.baseline).compactMap { $0.coresBusy["everything else on the machine"] }
        let retried = r.broker.bundles.filter { $0.attempts > 1 }.map { "broker at \($0.load.concurrency) (\($0.attempts) windows)" }
            + r.broker.baseline.filter { $0.attempts > 1 }.map { "baseline at \($0.load.concurrency) (\($0.attempts) windows)" }
        if !retried.isEmpty {
            md.append("")
            md.append("A level whose window had more than 0.15 cores busy with other work was measured again (at most 3 windows; the least disturbed is shown): " + retried.joined(separator: ", ") + ".")
        }
        if let worst = others.max(), worst > 0.15 {
            md.append("")
            md.append("**Other work shared the machine** during some windows even so (up to \(f(worst, 2)) cores busy outside the benchmark's processes): those figures are lower than a quiet machine would give.")
        }
        md.append("")
        md.append("Handshakes: \(r.broker.handshakeSource). Over the whole run the broker opened \(r.broker.totalBrokerHandshakes.map { f($0, 0) } ?? "n/a") connections to the agency for \(r.broker.totalBundlesIssued) bundle requests. The baseline's own figure (libcurl's CURLINFO_NUM_CONNECTS per response in the load generator): \(r.broker.baseline.map { $0.handshakesPerRequest.map { f($0, 4) } ?? "n/a" }.joined(separator: " / ")) per request at concurrency \(r.broker.baseline.map { "\($0.load.concurrency)" }.joined(separator: " / ")).")
        md.append("")

        let c = r.broker.consentCreateGrant
        md.append("## Consent create + grant")
        md.append("")
        md.append("\(c.consents) consents, each `POST /v1/consents` by the bank then `POST /v1/me/consents/{id}/grant` by the citizen (two durable transactions, each with its log entry and a signed checkpoint), \(c.concurrency) flows at a time:")
        md.append("")
        md.append("| consents created + granted per second | create p50 / p99 ms | grant p50 / p99 ms |")
        md.append("|---:|---:|---:|")
        md.append("| \(f(c.pairsPerSecond)) | \(f(c.create.p50Ms)) / \(f(c.create.p99Ms)) | \(f(c.grant.p50Ms)) / \(f(c.grant.p99Ms)) |")
        md.append("")

        md.append("## The consent log")
        md.append("")
        md.append("Each log is built up to its size by a bench-only bulk path (the product's leaves, `MerkleTreeBuilder.append` nodes and `logHead`, 50 000 entries per transaction, synchronous=OFF); the last \(r.settings.durableAppendsPerSize) entries before each size are durable appends through the product's path, `LogSequencer` over `SQLiteStore` with `Change(.create(consent))` (consent + entry + Merkle nodes + signed checkpoint, one transaction, synchronous=FULL, WAL), one after another. Roots for random sizes in the top half of the log, inclusion and consistency proofs for random indexes / old sizes against the whole log, \(r.settings.proofSamples) samples each, warm page cache. Average leaf: \(f(r.log.averageLeafBytes, 0)) bytes.")
        md.append("")
        md.append("| entries | durable appends/s | append p50 / p99 ms | database size | bulk build |")
        md.append("|---:|---:|---:|---:|---:|")
        for s in r.log.sizes {
            md.append("| \(s.entries) | \(f(s.durableAppendsPerSecond, 0)) | \(f(s.durableAppendLatency.p50Ms, 2)) / \(f(s.durableAppendLatency.p99Ms, 2)) | \(mb(Double(s.databaseBytes))) MB | \(f(s.bulkSeconds)) s |")
        }
        md.append("")
        md.append("Roots and proofs, median µs per call: \"API\" through `UpperTreeLevels` over `SQLiteStore` (what the HTTP handlers do: the tree's levels from 8 up kept in memory, the rest in one async read on the store's connection pool; timed on the second of two passes, as a serving broker has them); \"direct\" the same `MerkleTree` call on one open read transaction of a connection with SQLite's defaults, every node read from SQLite; \"mmap\" the same on a connection with `PRAGMA mmap_size` set. Node reads: from the store, per call.")
        md.append("")
        md.append("| entries | root µs: API / direct / mmap | inclusion µs: API / direct / mmap | consistency µs: API / direct / mmap | proof hashes: inclusion / consistency | node reads, API: root / inclusion / consistency |")
        md.append("|---:|---:|---:|---:|---:|---:|")
        for s in r.log.sizes {
            md.append("| \(s.entries) | \(f(s.root.p50Micros)) / \(f(s.rootDirect.p50Micros)) / \(f(s.rootMmap.p50Micros)) | \(f(s.inclusion.p50Micros)) / \(f(s.inclusionDirect.p50Micros)) / \(f(s.inclusionMmap.p50Micros)) | \(f(s.consistency.p50Micros)) / \(f(s.consistencyDirect.p50Micros)) / \(f(s.consistencyMmap.p50Micros)) | \(f(s.inclusion.hashes)) / \(f(s.consistency.hashes)) | \(f(s.root.nodeReads)) / \(f(s.inclusion.nodeReads)) / \(f(s.consistency.nodeReads)) |")
        }
        md.append("")
        md.append("p99, µs: " + r.log.sizes.map { "\($0.entries): root \(f($0.root.p99Micros)) / \(f($0.rootDirect.p99Micros)), inclusion \(f($0.inclusion.p99Micros)) / \(f($0.inclusionDirect.p99Micros)), consistency \(f($0.consistency.p99Micros)) / \(f($0.consistencyDirect.p99Micros))" }.joined(separator: "; ") + ". Proofs checked with `MerkleVerifier` against the signed checkpoint's root: \(r.log.sizes.map(\.proofsVerified).reduce(0, +)).")
        md.append("")

        md.append("## `samtykke audit verify`")
        md.append("")
        if let a = r.audit {
            let share = a.leafBytesPerSecond / r.sha256.bytesPerSecond
            md.append("`samtykke audit verify --server … --json` (first run: fetch every entry over HTTP as C2SP entry bundles of 256, eight at a time, check each is canonical JSON carrying its index in one pass over its bytes, hash each bundle into its subtree on both cores, fold the tree, check the signed checkpoint) against a broker serving the \(a.entries)-entry log, on the same machine, \(a.runSeconds.count) times from an empty state; the median run is shown (all runs: \(zip(a.runSeconds, a.runOtherCores).map { f($0, 2) + " s with " + f($1, 2) + " cores of other work" }.joined(separator: ", ")); the first finds the broker's pages of the log cold):")
            md.append("")
            md.append("| entries | seconds | entries/s | leaf MB/s | SHA-256 bound MB/s (\(r.sha256.bytes) B blocks) | share of bound | verify CPU s | broker CPU s | result |")
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            md.append("| \(a.entries) | \(f(a.seconds, 2)) | \(f(a.entriesPerSecond, 0)) | \(mb(a.leafBytesPerSecond)) | \(mb(r.sha256.bytesPerSecond)) | \(f(share * 100, 1))% | \(f(a.verifyCPUSeconds)) | \(f(a.brokerCPUSeconds)) | \(a.verified ? "verified" : "**failed**") |")
            md.append("")
            md.append("The bound is `\(r.sha256.command)` (\(mb(r.sha256.bytesPerSecond)) MB/s; \(mb(r.sha256.nodeBytesPerSecond)) MB/s at 65-byte interior-node blocks).")
            if let h = r.log.inProcessHashing {
                md.append("For comparison, rehashing the same \(h.entries) leaves into the root in one process, with no HTTP and no JSON (swift-crypto SHA-256, `MerkleTreeBuilder`): \(f(h.seconds, 2)) s, \(f(h.entriesPerSecond, 0)) entries/s, \(mb(h.leafBytesPerSecond)) MB/s of leaves, \(f(h.leafBytesPerSecond / r.sha256.bytesPerSecond * 100, 0))% of the bound (root matches the checkpoint: \(h.rootMatchesCheckpoint ? "yes" : "**no**")).")
            }
            md.append("")
        }
        if let v = r.verification {
            md.append("With the openings and as a citizen, the same broker and log (issue 27): `audit verify --auditor-key` (every opening read from `GET /v1/audit/openings` and checked: commitment, subject tag, parties, state machine; runs \(v.openedRunSeconds.map { f($0, 2) + " s" }.joined(separator: ", ")), the median shown), and one fixture person's `consent log --verify --id-token` (subject key, every entry bundle scanned for their subject tags, their openings from `GET /v1/me/openings`, inclusion against the checkpoint), first from no state, then after \(v.newEntries) more entries from the state file of the first run.")
            md.append("")
            md.append("| verification | seconds | entries/s |")
            md.append("|---|---:|---:|")
            md.append("| `audit verify --auditor-key` | \(f(v.openedSeconds, 2)) | \(f(v.openedEntriesPerSecond, 0)) |")
            md.append("| `consent log --verify`, first run (\(v.citizenEntriesFound) entries about the citizen) | \(f(v.citizenSeconds, 2)) | \(f(v.citizenEntriesPerSecond, 0)) scanned |")
            md.append("| `consent log --verify`, second run after \(v.newEntries) new entries | \(f(v.citizenSecondRunSeconds, 3)) | |")
            md.append("")
        }

        let one = r.log.oneAtATime, group = r.log.groupCommit
        md.append("## Durable log appends with group commit")
        md.append("")
        md.append("A fresh database: N tasks each commit one new consent after another (`Change(.create(consent))`) through one `LogSequencer` over `SQLiteStore` for \(f(r.settings.groupCommitSeconds, 0)) s; only changes committed inside the window count. The sequencer puts everything queued while a commit runs into the next one: one transaction, one fsync, one checkpoint signature. Transactions are counted as distinct checkpoint sizes in the outcomes.")
        md.append("")
        md.append("| concurrency | durable appends/s | transactions | changes per transaction | p50 / p99 ms |")
        md.append("|---:|---:|---:|---:|---:|")
        for load in [one, group] {
            md.append("| \(load.concurrency) | \(f(load.appendsPerSecond, 0)) | \(load.batches) | \(f(load.meanBatchSize)) | \(f(load.latency.p50Ms, 2)) / \(f(load.latency.p99Ms, 2)) |")
        }
        md.append("")

        if let pg = r.broker.postgres {
            md.append("## Bundles on PostgreSQL")
            md.append("")
            md.append("The same bundle load at concurrency \(pg.oneInstance.load.concurrency) against `serve --database postgres://…` on a throwaway local PostgreSQL (`scripts/with-postgres`, fsync on), after the SQLite broker has stopped: one instance, then two instances on the same database and the same agency (both `--issuer` the same), the load generator alternating requests between them. \(pg.consentCreateGrant.consents) consents created and granted first (\(f(pg.consentCreateGrant.pairsPerSecond, 0))/s). PostgreSQL's own CPU counts as \"everything else\".")
            md.append("")
            let base64 = r.broker.baseline.first { $0.load.concurrency == pg.oneInstance.load.concurrency }?.load.throughput ?? 0
            md.append("| instances | bundles/s | p50 ms | p99 ms | / baseline at the same concurrency | broker CPU ms / bundle | cores busy: ours / everything else | failed |")
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
            for (count, level) in [(1, pg.oneInstance), (2, pg.twoInstances)] {
                let brokers = level.cpuMsPerRequest.filter { $0.key.hasPrefix("broker") }.values.reduce(0, +)
                let other = level.coresBusy["everything else on the machine"] ?? 0
                md.append("| \(count) | \(f(level.load.throughput)) | \(f(level.load.latency.p50Ms)) | \(f(level.load.latency.p99Ms)) | \(f(base64 > 0 ? level.load.throughput / base64 * 100 : 0, 0))% | \(f(brokers, 2)) | \(f(level.coresBusy.values.reduce(0, +) - other, 2)) / \(f(other, 2)) | \(level.load.failed) |")
            }
            md.append("")
        }

        md.append("## Memory")
        md.append("")
        md.append("| process | peak resident (VmHWM) |")
        md.append("|---|---:|")
        md.append("| broker after the bundle load (all levels) | \(mib(r.broker.brokerPeakMemoryKiB)) |")
        md.append("| broker serving `audit verify` of the \(r.audit?.entries ?? 0)-entry log | \(mib(r.audit?.brokerPeakMemoryKiB)) |")
        md.append("| mock agency | \(mib(r.broker.agencyPeakMemoryKiB)) |")
        md.append("")

        if let p = r.broker.profile {
            md.append("## Where the broker's CPU goes")
            md.append("")
            md.append("A separate bundle load at concurrency \(r.settings.concurrencies.max() ?? 0) after the measured levels; \(f(p.seconds, 0)) s of it sampled.")
            md.append("")
            md.append(contentsOf: profile(p))
        } else if let note = r.broker.profileNote {
            md.append("No profile of the broker: \(note).")
            md.append("")
        }
        if let p = r.auditProfile {
            md.append("## Where `audit verify`'s CPU goes")
            md.append("")
            md.append("One more `audit verify` run after the timed ones, its first \(f(p.seconds, 0)) s sampled, then stopped.")
            md.append("")
            md.append(contentsOf: profile(p))
        }

        md.append("## Why, where a target is missed, and what would reach it")
        md.append("")
        md.append(contentsOf: Analysis.explain(r))
        md.append("")
        return md.joined(separator: "\n")
    }
}

extension Markdown {
    static func profile(_ p: ProfileResult) -> [String] {
        var md: [String] = []
        md.append("Sampled with `\(p.command)`: \(p.samples) samples of \(p.subject).")
        md.append("")
        md.append("Inclusive shares (a function and everything it called, so rows overlap; an indented row is part of the row above it):")
        md.append("")
        md.append("| share of its CPU | step |")
        md.append("|---:|---|")
        for row in p.steps {
            let indent = row.symbol.prefix { $0 == " " }.count
            md.append("| \(f(row.percent))% | \(String(repeating: "&nbsp;", count: indent * 2))\(row.symbol.trimmingCharacters(in: .whitespaces)) |")
        }
        md.append("")
        md.append("Self time by shared object: " + p.byLibrary.map { "`\($0.library)` \(f($0.percent))%" }.joined(separator: ", ") + ".")
        md.append("")
        md.append("| self | shared object | hottest symbols |")
        md.append("|---:|---|---|")
        for row in p.bySymbol.prefix(10) {
            md.append("| \(f(row.percent))% | `\(row.library)` | `\(row.symbol.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "'"))` |")
        }
        md.append("")
        return md
    }
}

/// Explanations computed from the figures of this run.
enum Analysis {
    static func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

    static func step(_ profile: ProfileResult?, _ prefix: String) -> Double? {
        profile?.steps.first { $0.symbol.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }?.percent
    }

    static func explain(_ r: Report) -> [String] {
        var lines: [String] = []
        let missed = Set(r.targets.filter { !$0.met }.map(\.name))
        if missed.isEmpty { lines.append("Every target was met in this run.") }
        let profile = r.broker.profile

        if let b = r.broker.bundles.first(where: { $0.load.concurrency == 64 }), let base = r.broker.baseline.first(where: { $0.load.concurrency == 64 }) {
            let brokerCPU = b.cpuMsPerRequest["broker"] ?? 0
            let agencyCPU = b.cpuMsPerRequest["agency"] ?? 0
            let generatorCPU = b.cpuMsPerRequest["load generator"] ?? 0
            let brokerTotal = brokerCPU + agencyCPU + generatorCPU
            let baseTotal = base.cpuMsPerRequest.values.reduce(0, +)
            let cores = Double(r.machine.cores)
            let busy = b.coresBusy.values.reduce(0, +) - (b.coresBusy["everything else on the machine"] ?? 0)
            let append = r.log.oneAtATime.appendsPerSecond
            let needed = max(0, baseTotal / Targets.bundleRatio - agencyCPU - generatorCPU)
            var text = "- **Throughput against the baseline (concurrency 64).** One bundle cost \(f(brokerTotal, 2)) ms of CPU on this machine: \(f(brokerCPU, 2)) ms in the broker, \(f(agencyCPU, 2)) ms in the mock agency, \(f(generatorCPU, 2)) ms in the load generator. A direct agency request cost \(f(baseTotal, 2)) ms (\(f(base.cpuMsPerRequest["agency"] ?? 0, 2)) + \(f(base.cpuMsPerRequest["load generator"] ?? 0, 2))). All three processes share \(r.machine.cores) cores and both runs kept them busy (broker run \(f(busy, 2)) cores), so the ratio is the ratio of CPU per request: \(f(baseTotal / max(brokerTotal, 0.001) * 100, 0))% predicted, \(f(b.load.throughput / max(base.load.throughput, 0.001) * 100, 0))% measured."
            if busy < cores * 0.85 {
                text += " The cores were not saturated, so part of the time requests waited rather than computed: on the single SQLite writer (it managed \(f(append, 0)) durable appends/s alone) and on the broker's cap of 16 concurrent agency calls."
            }
            text += " The baseline is the agency's one mTLS read; the broker does that read *plus* everything that makes a bundle (two write transactions with one fsync, a consent token and a bundle signed with ES256, the log entry with its Merkle nodes, a signed checkpoint and an inclusion proof, JSON in and out).\(brokerCPU > needed ? " Reaching \(f(Targets.bundleRatio * 100, 0))% on this machine needs the broker's own CPU per bundle down from \(f(brokerCPU, 2)) ms to about \(f(needed, 2)) ms, a \(f(brokerCPU / max(needed, 0.001), 2))× cut." : " \(f(Targets.bundleRatio * 100, 0))% on this machine allows the broker about \(f(needed, 2)) ms of CPU per bundle; it used \(f(brokerCPU, 2)) ms.") With the agency on another machine, as in production, the same \(f(brokerCPU, 2)) ms per bundle would give about \(f(cores / max(brokerCPU, 0.001) * 1000, 0)) bundles/s on these \(r.machine.cores) cores."
            lines.append(text)
            let brokerCPUShare = brokerCPU / max(needed, 0.001)
            if let profile {
                var where_: [String] = []
                if let v = step(profile, "GRDB write transactions") {
                    where_.append("GRDB write transactions \(f(v, 0))% (the batch's own work in `SQLiteStore.commit` \(f(step(profile, "`SQLiteStore.commit`") ?? 0, 0))%)")
                }
                if let v = step(profile, "consent row lookups") { where_.append("consent row lookups \(f(v, 0))%") }
                if let v = step(profile, "the bundle's ES256 signing") { where_.append("the bundle's signing \(f(v, 0))% (the P-256 signature itself \(f(step(profile, "P-256 ECDSA") ?? 0, 0))%)") }
                if let v = step(profile, "the agency call's Swift side") { where_.append("the agency call's Swift side \(f(v, 0))% (mostly `JSONDecoder` on its answer)") }
                if let v = step(profile, "JSONEncoder, everywhere") { where_.append("`JSONEncoder` in all \(f(v, 0))%") }
                if let v = step(profile, "log lines") { where_.append("log lines \(f(v, 0))%") }
                if let v = step(profile, "all system calls") { where_.append("system calls \(f(v, 0))% (fsync itself \(f(step(profile, "fsync") ?? 0, 1))%: it waits, it does not compute)") }
                if let v = step(profile, "the kernel switching threads") { where_.append("switching threads \(f(v, 0))%") }
                if let v = step(profile, "SwiftNIO event loops") { where_.append("the HTTP server's event loops \(f(v, 0))%") }
                lines.append("  Where the broker's CPU goes (profile above): " + where_.joined(separator: "; ") + ". Already done for issue 13: each hot SQL statement compiled once (`db.cachedStatement`); the consent check a read when there is nothing to log; a consent token reused for its 60 s; group commit (one fsync and one checkpoint signature per batch); the bundle's claims and the answer written once through the RFC 8785 serializer, and base64url straight from its alphabet, instead of `JSONEncoder` and Foundation's base64. What is left is a fixed cost per bundle rather than waste: one ECDSA signature, a share of one fsynced transaction, one agency answer to decode, two log lines, the HTTP exchange, and the thread switches as each request moves between SwiftNIO's event loops, Swift's cooperative pool, GRDB's queues and libcurl's threads. The next steps, each worth a few percent: a decoder for the agency answer that does not go through `Codable`; the consent lookup without the hop to GRDB's reader queue (a synchronous read on the cooperative pool instead stalled the broker outright at concurrency 16); libcurl's multi interface on one thread instead of a blocking handle per pool thread. Together perhaps a fifth\(brokerCPUShare > 1 ? ", against the \(f(brokerCPUShare, 2))× cut the target still needs" : "").")
            }
        }
        if let b16 = r.broker.bundles.first(where: { $0.load.concurrency == 16 }) {
            let little = Double(b16.load.concurrency) / max(b16.load.throughput, 0.001) * 1000
            let verdict = b16.load.latency.p99Ms < Targets.bundleP99Ms ? "met" : "missed"
            lines.append("- **p99 at concurrency 16** (\(verdict)): \(f(b16.load.latency.p99Ms)) ms, p50 \(f(b16.load.latency.p50Ms)) ms. With 16 requests in flight on \(r.machine.cores) cores a request mostly waits its turn (Little's law: 16 / \(f(b16.load.throughput)) per s = \(f(little)) ms on average); the tail adds fsync stalls and the other processes' time slices. It moves with the CPU per bundle above and with other work on the machine (the cores-busy table shows how much there was).")
        }
        if let a = r.audit {
            let share = a.leafBytesPerSecond / r.sha256.bytesPerSecond
            let h = r.log.inProcessHashing
            let treeBound = 1 / ((a.averageLeafBytes + 1) / r.sha256.bytesPerSecond + 65 / r.sha256.nodeBytesPerSecond)
            var text = "- **`audit verify`** reached \(f(share * 100, 1))% of the SHA-256 bound (\(f(a.entriesPerSecond, 0)) entries/s; the bound is \(f(r.sha256.bytesPerSecond / (a.averageLeafBytes + 1), 0)) leaves/s, or \(f(treeBound, 0)) entries/s counting the interior node hash each entry also costs). The same leaves rehash into the root in-process, on one core, at \(h.map { f($0.entriesPerSecond, 0) } ?? "?") entries/s (\(h.map { f($0.leafBytesPerSecond / r.sha256.bytesPerSecond * 100, 0) } ?? "?")% of the leaf bound, \(h.map { f($0.entriesPerSecond / treeBound * 100, 0) } ?? "?")% of the tree bound). The \(f(a.seconds, 1)) s were \(f(a.verifyCPUSeconds, 1)) CPU-seconds in the verifier and \(f(a.brokerCPUSeconds, 1)) in the broker serving \((a.entries + 255) / 256) entry bundles, both on the same \(r.machine.cores) cores."
            if let p = r.auditProfile {
                var parts: [String] = []
                if let v = step(p, "checking each entry") {
                    var inner: [String] = []
                    if let u = step(p, "  the purpose rules") { inner.append("the purpose rules \(f(u, 0))%") }
                    if let u = step(p, "  the full parse") { inner.append("full parses \(f(u, 1))%") }
                    parts.append("checking each entry in one pass over its bytes \(f(v, 0))%" + (inner.isEmpty ? "" : " (" + inner.joined(separator: ", ") + ")"))
                }
                if let v = step(p, "fetching the entry bundles") { parts.append("fetching the entry bundles \(f(v, 0))%") }
                if let v = step(p, "reading the 1000-entry pages") { parts.append("reading pages \(f(v, 0))%") }
                if let v = step(p, "leaf hashes") { parts.append("leaf hashes \(f(v, 1))%") }
                if let v = step(p, "the tree") { parts.append("the tree \(f(v, 1))%") }
                if let v = step(p, "Swift retain/release") { parts.append("retain/release \(f(v, 0))%") }
                if !parts.isEmpty { text += " In the verifier (profile above): " + parts.joined(separator: "; ") + "." }
            }
            lines.append(text)
        }
        if let first = r.log.sizes.first, let last = r.log.sizes.last, last.entries > first.entries {
            let grow = { (a: LogBench.ProofTiming, b: LogBench.ProofTiming) -> Double in b.p50Micros / max(a.p50Micros, 0.001) }
            let direct = [grow(first.rootDirect, last.rootDirect), grow(first.inclusionDirect, last.inclusionDirect), grow(first.consistencyDirect, last.consistencyDirect)].max()!
            let mmap = [grow(first.rootMmap, last.rootMmap), grow(first.inclusionMmap, last.inclusionMmap), grow(first.consistencyMmap, last.consistencyMmap)].max()!
            let api = [grow(first.root, last.root), grow(first.inclusion, last.inclusion), grow(first.consistency, last.consistency)].max()!
            var text = "- **Roots and proofs as the log grows** \(first.entries) → \(last.entries) (\(f(Double(last.entries) / Double(first.entries), 0))× more entries): through the store with the tree's upper levels in memory (`UpperTreeLevels`, what the HTTP handlers use) time grew up to \(f(api, 2))× (median inclusion proof \(f(first.inclusion.p50Micros)) → \(f(last.inclusion.p50Micros)) µs), the store reading \(f(first.inclusion.nodeReads)) → \(f(last.inclusion.nodeReads)) nodes per inclusion proof: only those below level 8, as many at any size. With every node read from SQLite it grew up to \(f(direct, 2))× on a connection with SQLite's defaults (\(f(first.inclusionDirect.p50Micros)) → \(f(last.inclusionDirect.p50Micros)) µs) and \(f(mmap, 2))× with memory-mapped I/O (\(f(first.inclusionMmap.p50Micros)) → \(f(last.inclusionMmap.p50Micros)) µs): O(log n) B-tree lookups in a table a level deeper, which no longer fits the default page cache."
            let logRatio = log2(Double(last.entries)) / log2(Double(first.entries))
            text += String(format: " For scale: log₂ n grows %.2f×, (log₂ n)² %.2f×, n %.0f×.", logRatio, logRatio * logRatio, Double(last.entries) / Double(first.entries))
            lines.append(text)
            let rates = r.log.sizes.map(\.durableAppendsPerSecond)
            var appends = "- **Durable appends** (consent + entry + Merkle nodes + signed checkpoint, one fsynced transaction): " + zip(r.log.sizes, rates).map { "\(f($1, 0))/s at \($0.entries)" }.joined(separator: ", ") + "."
            if let lo = rates.min(), let hi = rates.max(), lo < 0.75 * hi {
                appends += " The rate fell as the log grew: each append reads O(log n) nodes (for the new nodes and the checkpoint's root) through the same small page cache as the proofs, and its p99 follows the fsync; keeping the upper levels of the tree in memory, as above, would apply here too."
            } else {
                appends += " The rate does not depend on the log's size: one fsync plus O(log n) node reads per append."
            }
            let group = r.log.groupCommit
            appends += " With 64 callers through one `LogSequencer` the changes shared \(group.batches) transactions (\(f(group.meanBatchSize)) each on average): \(f(group.appendsPerSecond, 0))/s against \(f(r.log.oneAtATime.appendsPerSecond, 0))/s one at a time, so the fsync and the checkpoint signature are paid once per batch and what is left per change is its consent row, entry, leaf hash and Merkle nodes."
            lines.append(appends)
        }
        return lines
    }
}
