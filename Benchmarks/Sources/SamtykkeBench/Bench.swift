import CanonicalJSON
import Foundation
import ChildProcess
import TestSupport
import GRDB
import SQLiteStore
import SamtykkeJOSE
import SamtykkeStore
import TransparencyLog

/// `Benchmarks/run` builds everything and calls this with the paths. It measures in one run, on this
/// machine, and writes Benchmarks/results/latest.{md,json}.
struct Options {
    var samtykke = ""
    var repo = ""
    var work = ""
    var out = ""
    var connectShim: String?
    var postgres: String?
    var swiftVersion = "unknown"
    var quick = false
    /// `appends`: only the group-commit load; `audit`: only `audit verify` (twice) of a log built
    /// once per work folder and kept; `bundles`: only the bundle and baseline levels on SQLite, with
    /// the broker's profile; `dpop`: only the API-key and DPoP bundle levels at concurrency 64, three
    /// pairs, with the broker's profile under the DPoP load; `release`: only the bundles with release
    /// against the log (issue 28), on a broker, witness and agency of their own; `verify`: only the
    /// three verifications of a v2 log in this process. Printed, never written as results.
    var only: String?
    var command = "Benchmarks/run"

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            func value() throws -> String {
                guard let value = iterator.next() else { throw BenchError("\(argument) needs a value") }
                return value
            }
            switch argument {
            case "--samtykke": options.samtykke = try value()
            case "--repo": options.repo = try value()
            case "--work": options.work = try value()
            case "--out": options.out = try value()
            case "--connect-shim": options.connectShim = try value()
            case "--postgres": options.postgres = try value()
            case "--swift-version": options.swiftVersion = try value()
            case "--command": options.command = try value()
            case "--quick": options.quick = true
            case "--only": options.only = try value()
            default: throw BenchError("unknown argument \(argument)")
            }
        }
        guard !options.samtykke.isEmpty, !options.repo.isEmpty, !options.work.isEmpty, !options.out.isEmpty, options.postgres != nil || options.only != nil else {
            throw BenchError("usage: SamtykkeBench --samtykke BIN --repo DIR --work DIR --out DIR --postgres URL [--connect-shim SO] [--quick] [--only appends|audit|bundles|dpop|release|verify]")
        }
        guard options.only == nil || ["appends", "audit", "bundles", "dpop", "release", "verify"].contains(options.only) else {
            throw BenchError("--only knows six parts: appends, audit, bundles, dpop, release, verify")
        }
        return options
    }
}

struct Report: Codable, Sendable {
    var generatedAt: String
    var command: String
    var quick: Bool
    var machine: Machine
    var settings: SettingsRecord
    var broker: BrokerBench.Results
    var log: LogBench.Results
    var audit: AuditResult?
    var auditProfile: ProfileResult?
    /// Issue 27: `audit verify` with the openings and the citizen's `consent log --verify`.
    var verification: VerificationResult?
    var sha256: SHA256Bound
    var targets: [Target]
    /// The figures other checks read, by fixed names.
    var summary: Summary
    var wallSeconds: Double
    /// The 1-minute load average before the benchmark started anything: other work on the machine.
    var loadAverageAtStart: Double
}

struct SettingsRecord: Codable, Sendable {
    var warmupSeconds: Double
    var measureSeconds: Double
    var concurrencies: [Int]
    var consents: Int
    var logSizes: [Int]
    var durableAppendsPerSize: Int
    var groupCommitSeconds: Double
    var proofSamples: Int
    var auditVerifySize: Int
}

struct Target: Codable, Sendable {
    var name: String
    var goal: String
    var measured: String
    var met: Bool
}

func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

@main
struct SamtykkeBench {
    static func main() async {
        do {
            try await run(Options.parse(CommandLine.arguments))
        } catch {
            log("benchmark failed: \(error)")
            exit(1)
        }
    }

    static func run(_ options: Options) async throws {
        let started = ContinuousClock.now
        var settings = options.quick
            ? Settings(warmup: .milliseconds(500), measure: .seconds(2), concurrencies: [1, 16, 64], consents: 400, consentConcurrency: 16,
                       logSizes: [1_000, 10_000], durableAppends: 50, proofSamples: 200, auditVerifySize: 10_000, groupCommitSeconds: 2,
                       profileSeconds: 2)
            : Settings(warmup: .seconds(2), measure: .seconds(8), concurrencies: [1, 16, 64], consents: 1_200, consentConcurrency: 16,
                       logSizes: [10_000, 100_000, 1_000_000], durableAppends: 500, proofSamples: 2_000, auditVerifySize: 1_000_000,
                       groupCommitSeconds: 10, profileSeconds: 5)
        // Each level at 64 is followed by its DPoP level: three pairs, to see the spread. Six levels,
        // each measured up to three times on a busy machine, plus the profile: at some 1,200 bundles/s
        // that is over 200,000 uses, more than the full run's consents serve (120,000), and a level
        // that ran out of them stopped the run as "no request was answered".
        if options.only == "dpop" {
            settings.concurrencies = [64, 64, 64]
            settings.consents = 3_000
        }
        let loadAtStart = ProcFS.loadAverage()
        let verifySizeV2 = options.quick ? 20_000 : 1_000_000
        if options.only == "verify" {
            _ = try await VerifyBench(entries: verifySizeV2).run(log: log)
            return
        }
        let machine = Machine.describe(swiftVersion: options.swiftVersion)
        log("machine: \(machine.cpuModel), \(machine.cores) cores, \(machine.memoryGiB) GiB, Linux \(machine.kernel)")

        let fm = FileManager.default
        if options.only != "audit" { try? fm.removeItem(atPath: options.work) }
        try fm.createDirectory(atPath: options.work, withIntermediateDirectories: true)
        let pkiDirectory = options.work + "/pki"
        // `--only audit` keeps its work folder, and with it the PKI its log was signed with.
        if !(options.only == "audit" && fm.fileExists(atPath: pkiDirectory + "/ca.key")) {
            let made = try await Command.run(options.samtykke, ["dev", "pki", "--out", pkiDirectory], cwd: options.repo)
            guard made.status == 0 else { throw BenchError("samtykke dev pki failed: \(made.stderr)") }
        }
        let pki = PKIFiles(directory: pkiDirectory)

        struct Person: Decodable { let personId: String }
        let people = try JSONDecoder().decode([Person].self, from: Data(contentsOf: URL(fileURLWithPath: options.repo + "/Fixtures/people.json")))
            .map(\.personId)

        if options.only == "audit" {
            try await auditOnly(options, settings: settings, pki: pki, people: people)
            return
        }
        if options.only == "appends" {
            let logDirectory = options.work + "/log"
            try fm.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
            try await LogBench(settings: settings, databasePath: logDirectory + "/samtykke.sqlite", appendsDatabasePath: logDirectory + "/appends.sqlite",
                               logKeyPath: pki.logKey, people: people).groupCommitOnly(log: log)
            return
        }

        // a-d, f: the broker and the agency under load, on SQLite and on PostgreSQL (with `--only bundles`,
        // on PostgreSQL only when given a database: its levels alone take a minute).
        let brokerBench = BrokerBench(settings: settings, samtykke: options.samtykke, repo: options.repo, work: options.work, pki: pki,
                                      connectShim: options.connectShim, postgres: options.only == nil || options.only == "bundles" ? options.postgres : nil, people: people,
                                      dpopOnly: options.only == "dpop", releaseOnly: options.only == "release")
        let (brokerResults, agency) = try await brokerBench.run(log: log)
        if options.only == "bundles" || options.only == "dpop" || options.only == "release" {
            if let profile = brokerResults.profile { logProfile(profile) }
            logBundleFigures(brokerResults)
            await agency.stop()
            return
        }

        // e: the log.
        let logDirectory = options.work + "/log"
        // Private, as `serve --data-dir` requires of the directory it later serves the log from.
        try fm.createDirectory(atPath: logDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let databasePath = logDirectory + "/samtykke.sqlite"
        let logBench = LogBench(settings: settings, databasePath: databasePath, appendsDatabasePath: logDirectory + "/appends.sqlite",
                                logKeyPath: pki.logKey, people: people)
        let (measuredLog, store, logSigner) = try await logBench.run(log: log)
        var logResults = measuredLog

        // Issue 27 point 7: the three verifications, each the `samtykke` command over HTTP against a
        // broker serving the largest log (v2 entries with their openings and subject keys).
        let verifySize = logResults.sizes.last?.entries ?? 0
        let auditorKey = try await brokerBench.cli(["auditor", "add", "--data-dir", logDirectory, "--name", "Benchmark auditor"])
        let (logBroker, url) = try await startLogBroker(options, logDirectory: logDirectory, pki: pki, agency: "https://127.0.0.1:\(agency.port)")
        let average = logResults.averageLeafBytes
        let (audit, verification) = try await verifications(
            options, url: url, broker: logBroker, entries: verifySize, averageLeafBytes: average, auditorKey: auditorKey, pki: pki,
            citizen: people[0]
        ) { count in try await logBench.grow(by: count, store: store, signer: logSigner) }
        // Where its time goes: a second run, sampled for a while, then stopped.
        var auditProfile: ProfileResult?
        if settings.profileSeconds > 0, Profiler.available {
            let seconds = min(10, max(2, audit.seconds * 0.5))
            log("profiling a second audit verify for \(Int(seconds)) s")
            let verifier = try Spawn.start(
                options.samtykke,
                ["audit", "verify", "--server", url, "--state", options.work + "/audit-state-profiled.json", "--json"],
                cwd: options.repo, environment: Command.cleanEnvironment(), stdout: options.work + "/audit-profiled.log", stderr: nil
            )
            do {
                try await Task.sleep(for: .milliseconds(300))
                let perf = try Profiler.start(pid: verifier, seconds: seconds, output: options.work + "/verify.perf.data", log: options.work + "/perf-verify.log")
                auditProfile = try await Profiler.finish(perf: perf, output: options.work + "/verify.perf.data",
                                                         subject: "`samtykke audit verify` reading the \(verifySize)-entry log",
                                                         seconds: seconds, steps: Profiler.verifySteps)
            } catch {
                log("  no profile of audit verify: \(error)")
            }
            kill(verifier, SIGTERM)
            _ = await Spawn.waitAsync(verifier)
        }
        await logBroker.stop()
        await agency.stop()

        // The same leaves rehashed in this process: the verify cost without HTTP and JSON.
        guard let note = try await store.logHead().checkpoint?.note else { throw BenchError("the log has no checkpoint") }
        let checkpoint = try Checkpoint.open(note, verifier: NoteVerifier(verifierKey: logSigner.verifierKey))
        logResults.inProcessHashing = try LogBench.hashEverything(databasePath: databasePath, checkpointRoot: checkpoint.rootHash)

        // The SHA-256 bound, on this machine, at the average leaf size (+1 for the 0x00 leaf prefix).
        let leafBytes = Int(average.rounded()) + 1
        log("openssl speed -seconds 3 -bytes \(leafBytes) sha256, and -bytes 65 for interior nodes")
        let sha = SHA256Bound(
            bytes: leafBytes,
            bytesPerSecond: try await OpenSSLSpeed.sha256(bytes: leafBytes),
            nodeBytesPerSecond: try await OpenSSLSpeed.sha256(bytes: 65),
            command: "openssl speed -seconds 3 -bytes \(leafBytes) sha256"
        )

        var report = Report(
            generatedAt: ISO8601DateFormatter().string(from: Date()),
            command: options.command, quick: options.quick, machine: machine,
            settings: SettingsRecord(
                warmupSeconds: settings.warmup.seconds, measureSeconds: settings.measure.seconds, concurrencies: settings.concurrencies,
                consents: settings.consents, logSizes: settings.logSizes, durableAppendsPerSize: settings.durableAppends,
                groupCommitSeconds: settings.groupCommitSeconds,
                proofSamples: settings.proofSamples, auditVerifySize: verifySize
            ),
            broker: brokerResults, log: logResults, audit: audit, auditProfile: auditProfile, verification: verification, sha256: sha, targets: [],
            summary: Summary(broker: brokerResults, log: logResults, audit: audit, verification: verification), wallSeconds: 0,
            loadAverageAtStart: loadAtStart
        )
        report.targets = Targets.evaluate(report)
        report.wallSeconds = (ContinuousClock.now - started).seconds

        try fm.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: options.out + "/latest.json"))
        try Markdown.render(report).write(toFile: options.out + "/latest.md", atomically: true, encoding: .utf8)
        log("wrote \(options.out)/latest.md and latest.json")
        // The million-entry database is most of a gigabyte: not worth keeping between runs.
        try? fm.removeItem(atPath: logDirectory)
        for target in report.targets { log("  \(target.met ? "met   " : "MISSED") \(target.name): \(target.measured) (goal \(target.goal))") }
    }
}

extension SamtykkeBench {
    /// A profile as lines of the log, for `--only` runs, which write no report.
    static func logProfile(_ profile: ProfileResult) {
        log("profile of \(profile.subject), \(profile.samples) samples; steps (inclusive):")
        for row in profile.steps { log(String(format: "  %5.1f%%  %@", row.percent, row.symbol)) }
        log("hottest symbols (self):")
        for row in profile.bySymbol { log(String(format: "  %5.1f%%  %@  %@", row.percent, row.library, row.symbol)) }
    }

    /// Issue 28 point 5's four figures as `summary` computes them, for `--only bundles`.
    static func logBundleFigures(_ broker: BrokerBench.Results) {
        func ratio(_ levels: [BrokerBench.Level]?) -> Double {
            let baseline = broker.baseline.first { $0.load.concurrency == 64 }?.load.throughput ?? 0
            let throughput = levels?.first { $0.load.concurrency == 64 }?.load.throughput ?? 0
            return baseline > 0 ? throughput / baseline : 0
        }
        func p99(_ levels: [BrokerBench.Level]?) -> Double { levels?.first { $0.load.concurrency == 16 }?.load.latency.p99Ms ?? .nan }
        if broker.baseline.isEmpty {
            log(String(format: "releaseBundleP99MsC16 %.1f ms (no baseline for the ratios)", p99(broker.release?.levels)))
        } else {
            log(String(format: "bundleRatioC64 %.3f  bundleP99MsC16 %.1f ms  releaseBundleRatioC64 %.3f  releaseBundleP99MsC16 %.1f ms",
                       ratio(broker.bundles), p99(broker.bundles), ratio(broker.release?.levels), p99(broker.release?.levels)))
        }
        for level in broker.release?.levels ?? [] {
            log(String(format: "release c=%d, CPU ms per bundle: ", level.load.concurrency)
                + level.cpuMsPerRequest.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f", $0.key, $0.value) }.joined(separator: ", ")
                + String(format: "; cores busy with other work %.2f", level.disturbance))
        }
        if let steps = broker.release?.stepsMs {
            log("release, mean ms per bundle at c=64: " + steps.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f", $0.key, $0.value) }.joined(separator: ", "))
        }
    }

    /// `--only audit`: the log of `settings.auditVerifySize` entries is built on the first run (the
    /// bulk path, then one append through the product to sign its checkpoint) and kept in the work
    /// folder, so a change to the verify path is measured in seconds on the same database.
    static func auditOnly(_ options: Options, settings: Settings, pki: PKIFiles, people: [String]) async throws {
        let logDirectory = options.work + "/log"
        let databasePath = logDirectory + "/samtykke.sqlite"
        let fm = FileManager.default
        if !fm.fileExists(atPath: databasePath) {
            try fm.createDirectory(atPath: logDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try await LogBench(settings: settings, databasePath: databasePath, appendsDatabasePath: logDirectory + "/appends.sqlite",
                               logKeyPath: pki.logKey, people: people).buildOnly(entries: settings.auditVerifySize, log: log)
        }
        let brokerBench = BrokerBench(settings: settings, samtykke: options.samtykke, repo: options.repo, work: options.work, pki: pki,
                                      connectShim: nil, postgres: "", people: people)
        let auditorKey = try await brokerBench.cli(["auditor", "add", "--data-dir", logDirectory, "--name", "Benchmark auditor \(UUID().uuidString.prefix(8))"])
        let logBench = LogBench(settings: settings, databasePath: databasePath, appendsDatabasePath: logDirectory + "/appends.sqlite",
                                logKeyPath: pki.logKey, people: people)
        let store = try SQLiteStore(path: databasePath)
        let signer = LogSigner(origin: LogBench.origin, signer: try NoteSigner(name: LogBench.origin, privateKey: try KeyFiles.ed25519(pki.logKey)))
        let size = Int(try await store.logHead().size)
        // No agency: serving the log never calls it.
        let (broker, url) = try await startLogBroker(options, logDirectory: logDirectory, pki: pki, agency: "https://127.0.0.1:9")
        _ = try await verifications(options, url: url, broker: broker, entries: size, averageLeafBytes: 0, auditorKey: auditorKey, pki: pki,
                                    citizen: people[0]) { count in try await logBench.grow(by: count, store: store, signer: signer) }
        await broker.stop()
    }

    /// Issue 27 point 7 over HTTP against `broker`, serving a log of `entries` v2 entries: three
    /// public `audit verify` runs and three with the auditor key (one when the first takes over a
    /// minute), each from an empty state file (the median of each is reported; the first finds the broker's mapped pages of the log cold, and a run
    /// that shares the machine with other work is slowed by it), then the citizen's first
    /// `consent log --verify`, `grow` appending 1,000 entries, and the citizen's second run from the
    /// state of the first.
    static func verifications(
        _ options: Options, url: String, broker: ServerProcess, entries: Int, averageLeafBytes: Double, auditorKey: String, pki: PKIFiles,
        citizen: String, grow: (Int) async throws -> Void
    ) async throws -> (AuditResult, VerificationResult) {
        func median(_ name: String, _ extra: [String]) async throws -> (runs: [VerifyRun], median: VerifyRun) {
            log("\(name): \(entries) entries from \(url)")
            var runs: [VerifyRun] = []
            for attempt in 1...3 {
                // A run of over a minute is one: three would make the whole benchmark wait for it.
                if let first = runs.first, first.seconds > 60 { break }
                let run = try await timedVerify(options, arguments: ["audit", "verify", "--server", url, "--state", options.work + "/audit-state-\(UUID().uuidString).json", "--json"] + extra,
                                                broker: broker)
                guard run.status == 0 else { throw BenchError("\(name) failed: \(run.output)") }
                runs.append(run)
                log(String(format: "  run %d: %.2f s, %.0f entries/s, broker CPU %.2f s, verify CPU %.2f s (other work: %.2f cores)", attempt, run.seconds,
                           Double(entries) / run.seconds, run.brokerCPU, run.verifyUser + run.verifySystem, run.otherCores))
            }
            return (runs, runs.sorted { $0.seconds < $1.seconds }[runs.count / 2])
        }
        let (publicRuns, publicRun) = try await median("audit verify (public)", [])
        let audit = AuditResult(
            entries: entries, averageLeafBytes: averageLeafBytes, runSeconds: publicRuns.map(\.seconds), runOtherCores: publicRuns.map(\.otherCores),
            seconds: publicRun.seconds, entriesPerSecond: Double(entries) / publicRun.seconds, leafBytesPerSecond: Double(entries) * averageLeafBytes / publicRun.seconds,
            verifyCPUSeconds: publicRun.verifyUser + publicRun.verifySystem, brokerCPUSeconds: publicRun.brokerCPU,
            brokerPeakMemoryKiB: ProcFS.memoryKiB(pid: broker.pid, field: "VmHWM"), verified: true, output: publicRun.output
        )
        let (openedRuns, openedRun) = try await median("audit verify --auditor-key (every opening)", ["--auditor-key", auditorKey])

        // The citizen: an ID token from the dev provider the broker trusts (`--pki`), minted per run.
        let provider = DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(pki.idProviderKey)))
        let state = options.work + "/citizen-state-\(UUID().uuidString).json"
        func citizenRun() async throws -> (seconds: Double, found: Int) {
            let token = try provider.mint(pid: citizen, lifetime: 300)
            let run = try await timedVerify(options, arguments: ["consent", "log", "--verify", "--server", url, "--id-token", token, "--state", state, "--json"],
                                            broker: broker)
            struct Report: Decodable { let verified: Bool; let entries: [JSONValue]? }
            guard run.status == 0, let report = try? JSONDecoder().decode(Report.self, from: Data(run.output.utf8)), report.verified else {
                throw BenchError("consent log --verify failed: \(run.output.prefix(2000))")
            }
            return (run.seconds, report.entries?.count ?? 0)
        }
        log("consent log --verify (a citizen's first run)")
        let first = try await citizenRun()
        log(String(format: "  %.2f s, %.0f entries/s scanned, %d about the citizen", first.seconds, Double(entries) / first.seconds, first.found))
        let newEntries = 1_000
        log("log: \(newEntries) more entries through LogSequencer, then the citizen's second run")
        try await grow(newEntries)
        let second = try await citizenRun()
        log(String(format: "  %.3f s", second.seconds))
        let verification = VerificationResult(
            entries: entries, openedRunSeconds: openedRuns.map(\.seconds), openedSeconds: openedRun.seconds,
            openedEntriesPerSecond: Double(entries) / openedRun.seconds, citizenSeconds: first.seconds,
            citizenEntriesPerSecond: Double(entries) / first.seconds, citizenEntriesFound: first.found, newEntries: newEntries,
            citizenSecondRunSeconds: second.seconds, verified: true
        )
        return (audit, verification)
    }

    /// `samtykke serve` over the log in `logDirectory`, once it serves the log's checkpoint.
    static func startLogBroker(_ options: Options, logDirectory: String, pki: PKIFiles, agency: String) async throws -> (ServerProcess, String) {
        let broker = ServerProcess(
            name: "log broker", executable: options.samtykke,
            arguments: ["serve", "--data-dir", logDirectory, "--pki", pki.directory, "--tax-agency", agency],
            cwd: options.repo, logPath: options.work + "/log-broker.log", environment: BrokerBench.unlimited
        )
        try broker.start()
        let url = try await broker.waitUntilListening()
        // Serving its checkpoint, not `/readyz`, which also wants the agency that `--only audit` has not.
        try await waitFor("the broker serving the log", timeout: .seconds(60)) {
            (try? await Command.run("curl", ["-sf", url + "/v1/audit/tlog/checkpoint"]))?.status == 0
        }
        return (broker, url)
    }

    /// One verification command: its wall time, its CPU and the broker's, and the
    /// cores other processes kept busy meanwhile.
    struct VerifyRun {
        var seconds: Double
        var verifyUser: Double
        var verifySystem: Double
        var brokerCPU: Double
        var otherCores: Double
        var status: Int32
        var output: String
    }

    static func timedVerify(_ options: Options, arguments: [String], broker: ServerProcess) async throws -> VerifyRun {
        let brokerCPU0 = ProcFS.cpuSeconds(pid: broker.pid)
        let machine0 = ProcFS.machineBusySeconds()
        var usage0 = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage0)
        let verify = try await Command.run(options.samtykke, arguments, cwd: options.repo)
        var usage1 = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage1)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let user = seconds(usage1.ru_utime) - seconds(usage0.ru_utime)
        let system = seconds(usage1.ru_stime) - seconds(usage0.ru_stime)
        let brokerCPU = ProcFS.cpuSeconds(pid: broker.pid) - brokerCPU0
        return VerifyRun(
            seconds: verify.seconds, verifyUser: user, verifySystem: system, brokerCPU: brokerCPU,
            otherCores: max(0, ProcFS.machineBusySeconds() - machine0 - user - system - brokerCPU) / verify.seconds,
            status: verify.status, output: (verify.stdout + verify.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
