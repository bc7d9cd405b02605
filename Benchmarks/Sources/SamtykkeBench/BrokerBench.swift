import CurlHTTP
import Foundation
import ChildProcess
import TestSupport
import SamtykkeCore
import SamtykkeJOSE
import Synchronization

/// The files of a dev PKI (`samtykke dev pki`), by their fixed names.
struct PKIFiles: Sendable {
    let directory: String
    var ca: String { directory + "/ca.pem" }
    var brokerClientCertificate: String { directory + "/broker-client.pem" }
    var brokerClientKey: String { directory + "/broker-client.key" }
    var bundleSigningKey: String { directory + "/bundle-signing.key" }
    var logKey: String { directory + "/log.key" }
    var idProviderKey: String { directory + "/idp.key" }
}

struct Settings: Sendable {
    var warmup: Duration
    var measure: Duration
    var concurrencies: [Int]
    var consents: Int
    var consentConcurrency: Int
    var logSizes: [Int]
    var durableAppends: Int
    var proofSamples: Int
    var auditVerifySize: Int
    /// Seconds of each durable-append load (one at a time, then 64 at a time with group commit).
    var groupCommitSeconds: Double
    /// Seconds of an extra bundle load at the highest concurrency with `perf record` on the broker.
    var profileSeconds: Double
}

/// The HTTP side: broker and mock agency as processes, a bank, consents, bundle load and the baseline.
struct BrokerBench {
    let settings: Settings
    let samtykke: String
    let repo: String
    let work: String
    let pki: PKIFiles
    let connectShim: String?
    /// The PostgreSQL database (empty) for the bundle load against `serve --database`.
    /// The throwaway server's URL; nil measures SQLite alone.
    let postgres: String?
    let people: [String]
    /// `--only dpop`: the levels at 64 and their DPoP levels only, and the profile under DPoP.
    var dpopOnly = false
    /// `--only release`: only the bundles with release against the log (no other level, no baseline).
    var releaseOnly = false

    static let bankOrg = "986352325"
    static let years = [2023, 2024]
    static let scopes = ["income", "debt", "wealth"]
    static let usesPerConsent = 100
    /// A level is measured again (at most `attempts` windows in all) when other work on the machine
    /// kept more than `quiet` cores busy during its window.
    static let attempts = 3
    static let quiet = 0.15
    /// The per-caller rate limits lifted: the benchmark measures capacity, and one bank key sends all
    /// the load, one auditor key reads the whole log. Banks' (`--rate-per-second`, `--rate-burst`,
    /// default 50/s and 200) and auditors' (`--audit-rate-per-second`, `--audit-rate-burst`, default
    /// 1000/s and 2000, at most 1,000,000): at its default an auditor's second `audit verify` of a
    /// million entries within a few seconds of the first waits out a 429, which timed the limit, not
    /// the verify. Given as environment settings, which a broker without those flags ignores.
    static let unlimited = [
        "SAMTYKKE_RATE_PER_SECOND": "1000000000", "SAMTYKKE_RATE_BURST": "1000000000",
        "SAMTYKKE_AUDIT_RATE_PER_SECOND": "1000000", "SAMTYKKE_AUDIT_RATE_BURST": "1000000",
        // Unauthenticated reads from one address: the verifiers' and the releasing agency's monitor's
        // tile reads (at 50/s the monitor falls behind and the agency refuses releases with a 429).
        "SAMTYKKE_ADDRESS_RATE_PER_SECOND": "1000000", "SAMTYKKE_ADDRESS_RATE_BURST": "1000000",
    ]

    struct Results: Codable, Sendable {
        var consentCreateGrant: ConsentPhase
        var bundles: [Level]
        /// The bundle load at the highest concurrency again, right after its API-key level, with the
        /// bank on the key flow (SPEC §2c): a DPoP-bound access token and a proof on every request.
        /// Nil when the broker has no `/v1/token` (an older checkout).
        var dpopBundles: Level?
        var baseline: [Level]
        var handshakeSource: String
        var brokerPeakMemoryKiB: Int?
        var brokerRSSKiB: Int?
        var agencyPeakMemoryKiB: Int?
        var totalBrokerHandshakes: Double?
        var totalBundlesIssued: Int
        var profile: ProfileResult?
        var profileNote: String?
        /// Nil only in `--only bundles`, which measures SQLite alone.
        var postgres: PostgresResults?
        /// Issue 28: the same bundles with release against the log, on a broker and agency of their own.
        var release: ReleaseResults?
    }

    /// Bundles at the highest concurrency with the store on PostgreSQL: one broker instance, then two
    /// sharing the database with the load alternating between them.
    struct PostgresResults: Codable, Sendable {
        var consentCreateGrant: ConsentPhase
        var oneInstance: Level
        var twoInstances: Level
    }

    struct ConsentPhase: Codable, Sendable {
        var consents: Int
        var concurrency: Int
        var seconds: Double
        /// Consents created and granted per second (each is two durable transactions).
        var pairsPerSecond: Double
        var create: Latency
        var grant: Latency
        var failed: Int
    }

    /// A window in which nothing was answered measured a stall, not a speed: the run stops there
    /// rather than report "0 per second, 0 failed".
    static func requireAnswers(_ level: Level, _ what: String) throws {
        guard level.load.succeeded > 0 else {
            throw BenchError("\(what): no request was answered in the measured window (\(level.load.failed) failed: \(level.load.failures))")
        }
    }

    /// One load level, with where the CPU went and the TLS handshakes made toward the agency.
    struct Level: Codable, Sendable {
        var load: LoadResult
        /// CPU milliseconds per successful request, by process.
        var cpuMsPerRequest: [String: Double]
        /// CPU utilisation over the window, in cores (2 = both cores busy).
        var coresBusy: [String: Double]
        /// New connections (each a TLS handshake) toward the agency per successful request.
        var handshakesPerRequest: Double?
        var handshakes: Double?
        /// The two sources behind `handshakes`: the broker's metric (preferred) and the connect() count.
        var metricHandshakes: Double? = nil
        var connects: Double? = nil
        /// Windows measured for this level: one more each time other work disturbed it (the least
        /// disturbed is kept).
        var attempts = 1

        /// Cores kept busy by processes other than the benchmark's own during the window.
        var disturbance: Double { coresBusy["everything else on the machine"] ?? 0 }
    }

    func run(log: (String) -> Void) async throws -> (Results, ServerProcess) {
        // The agency and the broker, each its own process, as an operator runs them.
        let agencyPort = try ServerProcess.freePort()
        let brokerPort = try ServerProcess.freePort()
        // Every broker instance of the run signs as this one issuer, the only one the agency accepts.
        let issuer = "http://127.0.0.1:\(brokerPort)"
        let agency = ServerProcess(
            name: "agency", executable: samtykke,
            arguments: ["mock-tax-agency", "--pki", pki.directory, "--fixtures", repo + "/Fixtures/people.json", "--broker-issuer", issuer],
            port: agencyPort, cwd: repo, logPath: work + "/agency.log"
        )
        try agency.start()
        let brokerData = work + "/broker"
        let bankKey = try await cli(["bank", "add", "--data-dir", brokerData, "--org", Self.bankOrg, "--name", "Benchmark Sparebank"])
        let connectLog = work + "/broker-agency-connects.log"
        var environment = Self.unlimited
        if let connectShim {
            environment.merge(["LD_PRELOAD": connectShim, "SAMTYKKE_BENCH_CONNECT_PORT": "\(agencyPort)", "SAMTYKKE_BENCH_CONNECT_LOG": connectLog]) { $1 }
        }
        let broker = ServerProcess(
            name: "broker", executable: samtykke,
            arguments: ["serve", "--data-dir", brokerData, "--pki", pki.directory, "--tax-agency", "https://127.0.0.1:\(agencyPort)", "--issuer", issuer],
            port: brokerPort, cwd: repo, logPath: work + "/broker.log", environment: environment
        )
        try broker.start()
        let brokerURL = "http://127.0.0.1:\(brokerPort)"
        let agencyURL = "https://127.0.0.1:\(agencyPort)"
        let plain = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(2), totalTimeout: .seconds(30), tls: nil, maxConcurrentRequests: 4,
            allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-bench"
        ))
        let mtlsConfiguration = CurlTLSConfiguration(caFile: pki.ca, clientCertificateFile: pki.brokerClientCertificate, clientKeyFile: pki.brokerClientKey)
        try await waitFor("the broker", timeout: .seconds(60)) {
            (try? await plain.execute(.get(brokerURL + "/readyz")))?.status == 200
        }
        let probeClient = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(1), totalTimeout: .seconds(3), tls: mtlsConfiguration, maxConcurrentRequests: 1,
            allowedProtocols: .https, userAgent: "samtykke-bench"
        ))
        try await waitFor("the mock agency", timeout: .seconds(60)) {
            (try? await probeClient.execute(.get(agencyURL + "/healthz")))?.status == 200
        }
        log("broker on \(brokerURL) (pid \(broker.pid)), mock agency on \(agencyURL) (pid \(agency.pid))")

        // Handshakes toward the agency, two ways: the broker's own counter on /metrics when it has one,
        // and connect() calls to the agency's port counted by the LD_PRELOAD shim in the broker process.
        let metricName = "samtykke_agency_tls_handshakes_total"
        let shimmed = connectShim != nil
        let readHandshakes: @Sendable () async -> [String: Double] = {
            var values: [String: Double] = [:]
            if let value = try? await Self.metric(metricName, from: plain, url: brokerURL) { values["handshakes:metric"] = value }
            if shimmed {
                let size = (try? FileManager.default.attributesOfItem(atPath: connectLog)[.size] as? NSNumber)?.intValue ?? 0
                values["handshakes:connect"] = Double(size)
            }
            return values
        }

        // Citizens' ID tokens, one per person, from the dev provider.
        let provider = DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(pki.idProviderKey)))
        var idTokens: [String: String] = [:]
        for person in people { idTokens[person] = try provider.mint(pid: person, lifetime: IDTokenVerifier.Configuration.defaultMaximumLifetime) }

        if releaseOnly {
            await broker.stop()
            let release = try await releaseBundles(
                issuer: issuer, idTokens: idTokens, probe: { pids in cpuProbe(pids, withHandshakes: false) }, level: { run, pids in level(run, pids: pids) }, log: log
            )
            return (Results(consentCreateGrant: release.consentCreateGrant, bundles: [], baseline: [], handshakeSource: "", totalBundlesIssued: 0, release: release), agency)
        }

        // d. Consents created and granted, `consentConcurrency` at a time.
        log("creating and granting \(settings.consents) consents at concurrency \(settings.consentConcurrency)")
        let consentPhase = try await createConsents(brokerURL: brokerURL, bankKey: bankKey, idTokens: idTokens)
        let consentIDs = consentPhase.ids
        log(String(format: "  %.1f consents created + granted per second", consentPhase.phase.pairsPerSecond))

        let sqlitePids: [String: Int32] = ["broker": broker.pid, "agency": agency.pid, "load generator": ProcFS.selfPID]
        @Sendable func cpuProbe(_ pids: [String: Int32], withHandshakes: Bool) -> WindowProbe {
            let read: @Sendable () async -> [String: Double] = {
                var values: [String: Double] = [:]
                for (name, pid) in pids { values["cpu:" + name] = ProcFS.cpuSeconds(pid: pid) }
                values["wall"] = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
                values["machine"] = ProcFS.machineBusySeconds()
                if withHandshakes { values.merge(await readHandshakes()) { $1 } }
                return values
            }
            return WindowProbe(atStart: read, atEnd: read)
        }
        func level(_ run: (result: LoadResult, probeStart: [String: Double], probeEnd: [String: Double]), pids: [String: Int32]) -> Level {
            var cpu: [String: Double] = [:]
            var busy: [String: Double] = [:]
            let wall = (run.probeEnd["wall"] ?? 0) - (run.probeStart["wall"] ?? 0)
            for name in pids.keys {
                let used = (run.probeEnd["cpu:" + name] ?? 0) - (run.probeStart["cpu:" + name] ?? 0)
                cpu[name] = run.result.succeeded > 0 ? used * 1000 / Double(run.result.succeeded) : 0
                busy[name] = wall > 0 ? used / wall : 0
            }
            let machine = (run.probeEnd["machine"] ?? 0) - (run.probeStart["machine"] ?? 0)
            let ours = pids.keys.map { (run.probeEnd["cpu:" + $0] ?? 0) - (run.probeStart["cpu:" + $0] ?? 0) }.reduce(0, +)
            if wall > 0 { busy["everything else on the machine"] = max(0, (machine - ours) / wall) }
            var handshakes: Double?
            var connects: Double?
            if let end = run.probeEnd["handshakes:metric"] { handshakes = end - (run.probeStart["handshakes:metric"] ?? 0) }
            if let end = run.probeEnd["handshakes:connect"], let start = run.probeStart["handshakes:connect"] { connects = end - start }
            let counted = handshakes ?? connects
            return Level(
                load: run.result, cpuMsPerRequest: cpu, coresBusy: busy,
                handshakesPerRequest: counted.map { run.result.succeeded > 0 ? $0 / Double(run.result.succeeded) : 0 },
                handshakes: counted, metricHandshakes: handshakes, connects: connects
            )
        }

        // a + c. Bundles from the broker: each consent serves up to 100 of them.
        let dispenser = Dispenser(limit: consentIDs.count * Self.usesPerConsent)
        var bundleLevels: [Level] = []
        var baselineLevels: [Level] = []
        let signer = try ES256Signer(privateKey: KeyFiles.p256(pki.bundleSigningKey))
        let thumbprint = try KeyFiles.certificateSHA256(pki.brokerClientCertificate)
        /// The least disturbed of at most `attempts` windows of one level.
        func leastDisturbed(_ what: String, _ window: () async throws -> Level) async throws -> Level {
            var best: Level?
            var windows = 0
            for attempt in 1...Self.attempts {
                windows = attempt
                let candidate = try await window()
                if best == nil || candidate.disturbance < best!.disturbance { best = candidate }
                if candidate.disturbance <= Self.quiet || attempt == Self.attempts { break }
                log(String(format: "  (other work kept %.2f cores busy during that window: measuring %@ again)", candidate.disturbance, what))
            }
            var measured = best!
            measured.attempts = windows
            try Self.requireAnswers(measured, what)
            return measured
        }
        let apiKeyHeaders = [CurlHeader(name: "Authorization", value: "Bearer \(bankKey)")]
        // Request n's URL, for signing its DPoP proof ahead.
        let bundleURL: (Int) -> String = { "\(brokerURL)/v1/consents/\(consentIDs[min($0, consentIDs.count * Self.usesPerConsent - 1) / Self.usesPerConsent])/bundles" }
        var dpopLevel: Level?
        for concurrency in settings.concurrencies {
            let measured = try await leastDisturbed("broker c=\(concurrency)") {
                level(await bundleLoad(concurrency: concurrency, warmup: settings.warmup, measure: settings.measure, brokerURLs: [brokerURL],
                                       headers: { _, _ in apiKeyHeaders }, consentIDs: consentIDs, dispenser: dispenser,
                                       probe: cpuProbe(sqlitePids, withHandshakes: true)), pids: sqlitePids)
            }
            bundleLevels.append(measured)
            log(String(format: "  broker   c=%-3d %7.1f bundles/s  p50 %6.1f ms  p99 %6.1f ms  handshakes/bundle %@  failed %d",
                       concurrency, measured.load.throughput, measured.load.latency.p50Ms, measured.load.latency.p99Ms,
                       measured.handshakesPerRequest.map { String(format: "%.4f", $0) } ?? "n/a", measured.load.failed))
            // The same level with the bank on the key flow, right after, so both see the same machine.
            if concurrency == settings.concurrencies.max() {
                let keyBank = try await keyFlowBank(brokerURL: brokerURL, data: brokerData)
                let dpop = try await leastDisturbed("broker with DPoP c=\(concurrency)") {
                    let window = try await keyBank.window(
                        from: dispenser.handedOut, count: Int(measured.load.throughput * (settings.warmup + settings.measure).seconds * 1.5) + 1_000,
                        url: bundleURL
                    )
                    return level(await bundleLoad(concurrency: concurrency, warmup: settings.warmup, measure: settings.measure, brokerURLs: [brokerURL],
                                                  headers: window.headers, consentIDs: consentIDs, dispenser: dispenser,
                                                  probe: cpuProbe(sqlitePids, withHandshakes: true)), pids: sqlitePids)
                }
                dpopLevel = dpop
                log(String(format: "  DPoP     c=%-3d %7.1f bundles/s  p50 %6.1f ms  p99 %6.1f ms  (%.3f of the API key's)  failed %d",
                           concurrency, dpop.load.throughput, dpop.load.latency.p50Ms, dpop.load.latency.p99Ms,
                           measured.load.throughput > 0 ? dpop.load.throughput / measured.load.throughput : 0, dpop.load.failed))
                // On a busy machine the CPU per bundle says more than the rates: its ratio is what the
                // ratio of rates would be on cores that only these processes use.
                let cpu = (dpop: dpop.cpuMsPerRequest.values.reduce(0, +), apiKey: measured.cpuMsPerRequest.values.reduce(0, +))
                log(String(format: "           CPU ms per bundle: broker %.3f (API key %.3f), with agency and load generator %.3f (%.3f), ratio %.3f; other work %.2f cores (%.2f)",
                           dpop.cpuMsPerRequest["broker"] ?? 0, measured.cpuMsPerRequest["broker"] ?? 0, cpu.dpop, cpu.apiKey,
                           cpu.dpop > 0 ? cpu.apiKey / cpu.dpop : 0, dpop.disturbance, measured.disturbance))
            }
            if dpopOnly { continue }

            // b. The same load straight to the agency, over mTLS with the broker's certificate and a
            // valid consent token for each person (tokens live 60 s: minted fresh for each level).
            let baselineClient = CurlClient(configuration: CurlClientConfiguration(
                connectTimeout: .seconds(2), totalTimeout: .seconds(30), tls: mtlsConfiguration, maxConcurrentRequests: concurrency,
                allowedProtocols: .https, userAgent: "samtykke-bench"
            ))
            var bestBaseline: Level?
            var baselineWindows = 0
            for attempt in 1...Self.attempts {
                baselineWindows = attempt
                let counter = Dispenser(limit: Int.max)
                let newConnections = Atomic<Int>(0)
                let windowConnections = Mutex<(start: Int, end: Int)>((0, 0))
                let everyone = people
                var tokens: [String: String] = [:]
                for person in people {
                    tokens[person] = try await Self.consentToken(for: person, issuer: issuer, signer: signer, thumbprint: thumbprint)
                }
                let tokensNow = tokens
                let baseRun = await LoadGenerator.run(
                    concurrency: concurrency, warmup: settings.warmup, measure: settings.measure, client: baselineClient,
                    next: { _ in
                        let person = everyone[counter.next()! % everyone.count]
                        return CurlRequest.get(
                            "\(agencyURL)/v1/persons/\(person)/tax-data",
                            headers: [CurlHeader(name: "Authorization", value: "Bearer \(tokensNow[person]!)"), CurlHeader(name: "Accept", value: "application/json")]
                        )
                    },
                    accept: { response in
                        newConnections.wrappingAdd(response.newConnections, ordering: .relaxed)
                        return response.status == 200
                    },
                    probe: WindowProbe(
                        atStart: {
                            windowConnections.withLock { $0.start = newConnections.load(ordering: .relaxed) }
                            return await cpuProbe(sqlitePids, withHandshakes: false).atStart()
                        },
                        atEnd: {
                            windowConnections.withLock { $0.end = newConnections.load(ordering: .relaxed) }
                            return await cpuProbe(sqlitePids, withHandshakes: false).atEnd()
                        }
                    )
                )
                var baseline = level(baseRun, pids: sqlitePids)
                let connections = windowConnections.withLock { Double($0.end - $0.start) }
                baseline.handshakes = connections
                baseline.handshakesPerRequest = baseline.load.succeeded > 0 ? connections / Double(baseline.load.succeeded) : 0
                if bestBaseline == nil || baseline.disturbance < bestBaseline!.disturbance { bestBaseline = baseline }
                if baseline.disturbance <= Self.quiet || attempt == Self.attempts { break }
                log(String(format: "  (other work kept %.2f cores busy during that window: measuring baseline c=%d again)", baseline.disturbance, concurrency))
            }
            var baseline = bestBaseline!
            baseline.attempts = baselineWindows
            try Self.requireAnswers(baseline, "baseline c=\(concurrency)")
            baselineLevels.append(baseline)
            log(String(format: "  baseline c=%-3d %7.1f requests/s p50 %6.1f ms  p99 %6.1f ms  failed %d",
                       concurrency, baseline.load.throughput, baseline.load.latency.p50Ms, baseline.load.latency.p99Ms, baseline.load.failed))
        }

        // Where the broker's CPU goes: a separate, sampled run, so perf never touches the figures above.
        var profile: ProfileResult?
        var profileNote: String?
        if settings.profileSeconds > 0, Profiler.available, let concurrency = settings.concurrencies.max() {
            log("profiling the broker with perf for \(settings.profileSeconds) s at concurrency \(concurrency)")
            do {
                let output = work + "/broker.perf.data"
                let profiled = settings.profileSeconds + 1
                var headers: @Sendable (Int, String) -> [CurlHeader] = { _, _ in apiKeyHeaders }
                if dpopOnly {
                    headers = try await keyFlowBank(brokerURL: brokerURL, data: brokerData).window(
                        from: dispenser.handedOut, count: Int((dpopLevel?.load.throughput ?? 1_000) * profiled * 1.5) + 1_000, url: bundleURL
                    ).headers
                }
                // The load starts first and outlasts the sampling by a little on each side.
                async let loaded = bundleLoad(concurrency: concurrency, warmup: .zero, measure: .milliseconds(Int(profiled * 1000)),
                                              brokerURLs: [brokerURL], headers: headers, consentIDs: consentIDs, dispenser: dispenser, probe: nil)
                try await Task.sleep(for: .milliseconds(500))
                let perf = try Profiler.start(pid: broker.pid, seconds: settings.profileSeconds, output: output, log: work + "/perf.log")
                profile = try await Profiler.finish(perf: perf, output: output,
                                                    subject: "the broker during a bundle load at concurrency \(concurrency)\(dpopOnly ? " with DPoP" : "")",
                                                    seconds: settings.profileSeconds, steps: Profiler.brokerSteps)
                _ = await loaded
            } catch {
                profileNote = "perf could not profile the broker: \(error)"
            }
        } else if settings.profileSeconds > 0 {
            profileNote = "perf is not installed (Debian: linux-perf), so there is no profile"
        }

        let totals = await readHandshakes()
        let handshakeSource = totals["handshakes:metric"] != nil
            ? "the broker's /metrics counter \(metricName) (cross-checked against connect() calls to the agency port)"
            : shimmed
                ? "connect() calls from the broker process to the agency port, counted by an LD_PRELOAD shim (Benchmarks/Support/connect_counter.c): the broker has no \(metricName) metric yet; each new libcurl connection is one TLS handshake"
                : "unavailable"
        let brokerPeakMemory = ProcFS.memoryKiB(pid: broker.pid, field: "VmHWM")
        let brokerRSS = ProcFS.memoryKiB(pid: broker.pid, field: "VmRSS")
        await broker.stop()
        let releaseResults = dpopOnly ? nil : try await releaseBundles(
            issuer: issuer, idTokens: idTokens, probe: { pids in cpuProbe(pids, withHandshakes: false) }, level: { run, pids in level(run, pids: pids) }, log: log
        )
        var postgresResults: PostgresResults?
        if let postgres {
            postgresResults = try await postgresBundles(
                postgres: postgres, agencyURL: agencyURL, issuer: issuer, idTokens: idTokens, baselinePids: ["agency": agency.pid, "load generator": ProcFS.selfPID],
                probe: { pids in cpuProbe(pids, withHandshakes: false) }, level: { run, pids in level(run, pids: pids) }, log: log
            )
        }
        let results = Results(
            consentCreateGrant: consentPhase.phase,
            bundles: bundleLevels,
            dpopBundles: dpopLevel,
            baseline: baselineLevels,
            handshakeSource: handshakeSource,
            brokerPeakMemoryKiB: brokerPeakMemory,
            brokerRSSKiB: brokerRSS,
            agencyPeakMemoryKiB: ProcFS.memoryKiB(pid: agency.pid, field: "VmHWM"),
            totalBrokerHandshakes: totals["handshakes:metric"] ?? totals["handshakes:connect"],
            totalBundlesIssued: dispenser.handedOut,
            profile: profile,
            profileNote: profileNote,
            postgres: postgresResults,
            release: releaseResults
        )
        return (results, agency)
    }

    /// A closed-loop bundle load: each request takes the next use of a consent, sent to `brokerURLs` in
    /// turn.
    func bundleLoad(
        concurrency: Int, warmup: Duration, measure: Duration, brokerURLs: [String], bankKey: String, consentIDs: [String],
        dispenser: Dispenser, probe: WindowProbe?
    ) async -> (result: LoadResult, probeStart: [String: Double], probeEnd: [String: Double]) {
        let headers = [CurlHeader(name: "Authorization", value: "Bearer \(bankKey)")]
        return await bundleLoad(concurrency: concurrency, warmup: warmup, measure: measure, brokerURLs: brokerURLs, headers: { _, _ in headers },
                                consentIDs: consentIDs, dispenser: dispenser, probe: probe)
    }

    /// The same with the credential headers of request `n` (to `url`) from `headers`.
    func bundleLoad(
        concurrency: Int, warmup: Duration, measure: Duration, brokerURLs: [String], headers: @escaping @Sendable (Int, String) -> [CurlHeader],
        consentIDs: [String], dispenser: Dispenser, probe: WindowProbe?
    ) async -> (result: LoadResult, probeStart: [String: Double], probeEnd: [String: Double]) {
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(2), totalTimeout: .seconds(30), tls: nil, maxConcurrentRequests: concurrency,
            allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-bench"
        ))
        return await LoadGenerator.run(
            concurrency: concurrency, warmup: warmup, measure: measure, client: client,
            next: { _ in
                guard let n = dispenser.next() else { return nil }
                let url = "\(brokerURLs[n % brokerURLs.count])/v1/consents/\(consentIDs[n / Self.usesPerConsent])/bundles"
                return CurlRequest(method: "POST", url: url, headers: headers(n, url), body: nil)
            },
            accept: { $0.status == 201 },
            probe: probe
        )
    }

    /// The bundle load at the highest concurrency against `serve --database`: one instance, then two
    /// on the same database and agency, both signing as `issuer`. The SQLite broker is stopped first,
    /// so only these brokers share the cores with the agency, PostgreSQL and the load generator.
    private func postgresBundles(
        postgres: String, agencyURL: String, issuer: String, idTokens: [String: String], baselinePids: [String: Int32],
        probe: ([String: Int32]) -> WindowProbe,
        level: ((result: LoadResult, probeStart: [String: Double], probeEnd: [String: Double]), [String: Int32]) -> Level,
        log: (String) -> Void
    ) async throws -> PostgresResults {
        let concurrency = settings.concurrencies.max() ?? 64
        let bankKey = try await cli(["bank", "add", "--database", postgres, "--org", Self.bankOrg, "--name", "Benchmark Sparebank"])
        var instances: [ServerProcess] = []
        defer { for instance in instances { kill(instance.pid, SIGKILL) } }
        for number in 1...2 {
            let instance = ServerProcess(
                name: "PostgreSQL broker \(number)", executable: samtykke,
                arguments: ["serve", "--database", postgres, "--pki", pki.directory, "--tax-agency", agencyURL, "--issuer", issuer],
                cwd: repo, logPath: work + "/postgres-broker-\(number).log", environment: Self.unlimited
            )
            try instance.start()
            instances.append(instance)
            let url = try await instance.waitUntilListening()
            // One at a time: the first one's start migrates the empty database.
            try await waitFor("PostgreSQL broker \(number)", timeout: .seconds(60)) {
                (try? await Command.run("curl", ["-sf", url + "/readyz"]))?.status == 0
            }
        }
        let urls = instances.map(\.url)
        log("PostgreSQL: brokers on \(urls.joined(separator: " and ")); creating and granting \(settings.consents) consents")
        let consents = try await createConsents(brokerURL: urls[0], bankKey: bankKey, idTokens: idTokens)
        let dispenser = Dispenser(limit: consents.ids.count * Self.usesPerConsent)
        var levels: [Level] = []
        for count in [1, 2] {
            var pids = baselinePids
            for (number, instance) in instances.prefix(count).enumerated() { pids[count == 1 ? "broker" : "broker \(number + 1)"] = instance.pid }
            let run = await bundleLoad(concurrency: concurrency, warmup: settings.warmup, measure: settings.measure, brokerURLs: Array(urls.prefix(count)),
                                       bankKey: bankKey, consentIDs: consents.ids, dispenser: dispenser, probe: probe(pids))
            let measured = level(run, pids)
            try Self.requireAnswers(measured, "PostgreSQL, \(count) instance(s), c=\(concurrency)")
            log(String(format: "  PostgreSQL, %d instance%@ c=%-3d %7.1f bundles/s  p50 %6.1f ms  p99 %6.1f ms  failed %d", count, count == 1 ? "" : "s",
                       concurrency, measured.load.throughput, measured.load.latency.p50Ms, measured.load.latency.p99Ms, measured.load.failed))
            levels.append(measured)
        }
        for instance in instances { await instance.stop() }
        instances = []
        // The server stays up for the rest of the run: its autovacuum of the tables just written and
        // its checkpoint (spread over minutes) would otherwise share the cores with the log's timings.
        let settled = try await Command.run("psql", [postgres, "-q", "-c", "VACUUM (ANALYZE)", "-c", "CHECKPOINT"], cwd: repo)
        if settled.status != 0 { log("  (PostgreSQL did not settle: \(settled.stderr))") }
        return PostgresResults(consentCreateGrant: consents.phase, oneInstance: levels[0], twoInstances: levels[1])
    }

    /// Creates and grants `settings.consents` consents, `consentConcurrency` flows at a time.
    func createConsents(brokerURL: String, bankKey: String, idTokens: [String: String]) async throws -> (phase: ConsentPhase, ids: [String]) {
        let total = settings.consents
        let concurrency = settings.consentConcurrency
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(2), totalTimeout: .seconds(30), tls: nil, maxConcurrentRequests: concurrency,
            allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-bench"
        ))
        let dispenser = Dispenser(limit: total)
        let people = people
        let validUntil = RFC3339.string(from: Date().addingTimeInterval(9 * 86_400))
        struct Outcome: Sendable {
            var ids: [(Int, String)] = []
            var create: [Double] = []
            var grant: [Double] = []
            var failures = 0
        }
        let start = ContinuousClock.now
        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var outcome = Outcome()
                    while let n = dispenser.next() {
                        let person = people[n % people.count]
                        let body: [String: Any] = [
                            "personId": person, "scopes": Self.scopes, "years": Self.years,
                            "purpose": ["code": "loan-application", "text": "Benchmark: mortgage for a flat in Bergen"],
                            "validUntil": validUntil, "maxUses": Self.usesPerConsent,
                        ]
                        let t0 = ContinuousClock.now
                        guard let created = try? await client.execute(.postJSON(
                                brokerURL + "/v1/consents", body: Array(try! JSONSerialization.data(withJSONObject: body)),
                                headers: [CurlHeader(name: "Authorization", value: "Bearer \(bankKey)")]
                            )), created.status == 201,
                            let json = try? JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any],
                            let id = json["id"] as? String
                        else { outcome.failures += 1; continue }
                        let t1 = ContinuousClock.now
                        guard let granted = try? await client.execute(CurlRequest(
                                method: "POST", url: "\(brokerURL)/v1/me/consents/\(id)/grant",
                                headers: [CurlHeader(name: "Authorization", value: "Bearer \(idTokens[person]!)")], body: nil
                            )), granted.status == 200
                        else { outcome.failures += 1; continue }
                        let t2 = ContinuousClock.now
                        outcome.create.append((t1 - t0).seconds * 1000)
                        outcome.grant.append((t2 - t1).seconds * 1000)
                        outcome.ids.append((n, id))
                    }
                    return outcome
                }
            }
            var all = Outcome()
            for await outcome in group {
                all.ids += outcome.ids
                all.create += outcome.create
                all.grant += outcome.grant
                all.failures += outcome.failures
            }
            return all
        }
        let seconds = (ContinuousClock.now - start).seconds
        guard outcomes.failures == 0 else { throw BenchError("\(outcomes.failures) of \(total) consent flows failed; see the broker log") }
        return (
            ConsentPhase(
                consents: outcomes.ids.count, concurrency: concurrency, seconds: seconds,
                pairsPerSecond: Double(outcomes.ids.count) / seconds,
                create: Latency(millis: outcomes.create), grant: Latency(millis: outcomes.grant), failed: outcomes.failures
            ),
            outcomes.ids.sorted { $0.0 < $1.0 }.map(\.1)
        )
    }

    /// A consent token as the broker makes one (SPEC §5), for a consent the agency takes on trust:
    /// all scopes, the benchmark's years, bound to the broker's client certificate.
    /// `issuer` is the brokers' `--issuer`: the agency refuses a token from any other.
    static func consentToken(for person: String, issuer: String, signer: ES256Signer, thumbprint: String) async throws -> String {
        let consent = try TestConsent.pending(
            person: try PersonID(person), bank: try OrgNumber(bankOrg), scopes: [.income, .debt, .wealth], years: years, purpose: "Benchmark baseline",
            maxUses: 100
        )
        return try TestConsent.token(
            for: consent, signer: signer, issuer: issuer, audience: "urn:samtykke:tax-agency", clientCertificateSHA256: thumbprint,
            lifetime: ConsentTokenClaims.maxLifetime
        )
    }

    static func metricsText(_ client: CurlClient, _ url: String) async throws -> String {
        let response = try await client.execute(.get(url + "/metrics"))
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The sum of every series of a Prometheus counter, or nil when the broker does not have it.
    static func metric(_ name: String, from client: CurlClient, url: String) async throws -> Double? {
        let text = try await metricsText(client, url)
        var sum: Double?
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{" else { continue }
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { sum = (sum ?? 0) + value }
        }
        return sum
    }

    func cli(_ arguments: [String]) async throws -> String {
        let result = try await Command.run(samtykke, arguments, cwd: repo)
        guard result.status == 0 else { throw BenchError("samtykke \(arguments.prefix(2).joined(separator: " ")) failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

func waitFor(_ what: String, timeout: Duration, _ ready: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await ready() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw BenchError("\(what) did not become ready within \(timeout)")
}
