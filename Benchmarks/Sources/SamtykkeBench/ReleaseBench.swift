import ChildProcess
import CurlHTTP
import Foundation
import SamtykkeJOSE
import TestSupport
import TransparencyLog

/// Issue 28 point 5: bundles with release against the log (SPEC §5). A broker of its own on SQLite
/// with `--witness` (one `samtykke witness serve` on loopback) and `--agency-log-policy`, and an agency
/// of its own with `--log-policy` following that broker's tiles: each bundle is a `data.requested`
/// commit, a cosignature round with the witness, the agency's check (proof, entry, monitor catch-up,
/// ledger fsync) and the fetch, then the `bundle.issued` commit.
extension BrokerBench {
    struct ReleaseResults: Codable, Sendable {
        var consentCreateGrant: ConsentPhase
        /// At 16 and at the highest concurrency.
        var levels: [Level]
        /// Mean milliseconds per bundle in each step at the highest concurrency, from the broker's
        /// `/metrics`: `log` the data.requested commit, `witnesses` the wait for a cosigned checkpoint
        /// covering it, `agency` the agency call with the agency's release check; `bundle` the whole
        /// request as the load generator saw it.
        var stepsMs: [String: Double]
    }

    static let witnessName = "witness.bench/w1"

    func releaseBundles(
        issuer: String, idTokens: [String: String], probe: ([String: Int32]) -> WindowProbe,
        level: ((result: LoadResult, probeStart: [String: Double], probeEnd: [String: Double]), [String: Int32]) -> Level,
        log: (String) -> Void
    ) async throws -> ReleaseResults {
        let directory = work + "/release"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let witnessKey = directory + "/witness.key"
        let made = try await Command.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", witnessKey])
        guard made.status == 0 else { throw BenchError("openssl genpkey: \(made.stderr)") }
        chmod(witnessKey, 0o600)
        let witnessVKey = try await cli(["witness", "key", "--key", witnessKey, "--name", Self.witnessName])
        let logVKey = try NoteSigner(name: "samtykke.local/consent-log", privateKey: KeyFiles.ed25519(pki.logKey)).verifierKey

        let witnessPort = try ServerProcess.freePort()
        let agencyPort = try ServerProcess.freePort()
        let brokerPort = try ServerProcess.freePort()
        let brokerURL = "http://127.0.0.1:\(brokerPort)"
        let policy = directory + "/tlog-policy"
        try "log \(logVKey) \(brokerURL)/v1/audit/tlog\nwitness w1 \(witnessVKey)\nquorum w1\n".write(toFile: policy, atomically: true, encoding: .utf8)

        let witness = ServerProcess(
            name: "witness", executable: samtykke,
            arguments: ["witness", "serve", "--port", "\(witnessPort)", "--key", witnessKey, "--name", Self.witnessName, "--log", logVKey, "--state", directory + "/witness-state"],
            port: witnessPort, cwd: repo, logPath: work + "/release-witness.log"
        )
        let agency = ServerProcess(
            name: "releasing agency", executable: samtykke,
            arguments: ["mock-tax-agency", "--pki", pki.directory, "--fixtures", repo + "/Fixtures/people.json", "--broker-issuer", issuer,
                        "--log-policy", policy, "--log-state", directory + "/agency-log-state"],
            port: agencyPort, cwd: repo, logPath: work + "/release-agency.log"
        )
        let data = directory + "/broker"
        let bankKey = try await cli(["bank", "add", "--data-dir", data, "--org", Self.bankOrg, "--name", "Benchmark Sparebank"])
        let broker = ServerProcess(
            name: "releasing broker", executable: samtykke,
            arguments: ["serve", "--data-dir", data, "--pki", pki.directory, "--tax-agency", "https://127.0.0.1:\(agencyPort)", "--issuer", issuer,
                        "--witness", "http://127.0.0.1:\(witnessPort)=\(witnessVKey)", "--agency-log-policy", policy],
            port: brokerPort, cwd: repo, logPath: work + "/release-broker.log", environment: Self.unlimited
        )
        var started: [ServerProcess] = []
        defer { for process in started { kill(process.pid, SIGKILL) } }
        for process in [witness, agency, broker] {
            try process.start()
            started.append(process)
            _ = try await process.waitUntilListening()
        }
        try await waitFor("the releasing broker", timeout: .seconds(60)) {
            (try? await Command.run("curl", ["-sf", brokerURL + "/readyz"]))?.status == 0
        }
        log("release against the log: broker on \(brokerURL), witness on :\(witnessPort), agency on :\(agencyPort) following the broker's tiles")
        let consents = try await createConsents(brokerURL: brokerURL, bankKey: bankKey, idTokens: idTokens)
        let dispenser = Dispenser(limit: consents.ids.count * Self.usesPerConsent)
        let pids: [String: Int32] = ["broker": broker.pid, "agency": agency.pid, "witness": witness.pid, "load generator": ProcFS.selfPID]
        let plain = CurlClient(configuration: CurlClientConfiguration(totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS))
        var levels: [Level] = []
        var steps: [String: Double] = [:]
        let top = settings.concurrencies.max() ?? 64
        for concurrency in Set([16, top]).sorted() {
            let before = try await Self.releaseTimers(plain, brokerURL)
            let run = await bundleLoad(concurrency: concurrency, warmup: settings.warmup, measure: settings.measure, brokerURLs: [brokerURL],
                                       bankKey: bankKey, consentIDs: consents.ids, dispenser: dispenser, probe: probe(pids))
            let measured = level(run, pids)
            try Self.requireAnswers(measured, "release against the log c=\(concurrency)")
            levels.append(measured)
            log(String(format: "  release  c=%-3d %7.1f bundles/s  p50 %6.1f ms  p99 %6.1f ms  failed %d",
                       concurrency, measured.load.throughput, measured.load.latency.p50Ms, measured.load.latency.p99Ms, measured.load.failed))
            if concurrency == top {
                // Warm-up included on both sides of the difference: means over every bundle of the level.
                let after = try await Self.releaseTimers(plain, brokerURL)
                for (step, value) in after {
                    let (sum, count) = (value.sum - (before[step]?.sum ?? 0), value.count - (before[step]?.count ?? 0))
                    if count > 0 { steps[step] = sum * 1000 / count }
                }
                steps["bundle"] = measured.load.latency.meanMs
                log(steps.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f ms", $0.key, $0.value) }.joined(separator: ", "))
            }
        }
        for process in started.reversed() { await process.stop() }
        started = []
        return ReleaseResults(consentCreateGrant: consents.phase, levels: levels, stepsMs: steps)
    }

    /// Seconds summed and counted of the release steps the broker times, and its successful agency calls.
    static func releaseTimers(_ client: CurlClient, _ url: String) async throws -> [String: (sum: Double, count: Double)] {
        let text = try await metricsText(client, url)
        var timers: [String: (sum: Double, count: Double)] = [:]
        let series = [
            ("log", "samtykke_release_step_duration_seconds", "step=\"log\""),
            ("witnesses", "samtykke_release_step_duration_seconds", "step=\"witnesses\""),
            ("agency", "samtykke_agency_request_duration_seconds", "outcome=\"ok\""),
        ]
        for line in text.split(separator: "\n") {
            for (step, name, label) in series where line.contains(label) {
                guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
                if line.hasPrefix(name + "_sum") { timers[step, default: (0, 0)].sum += value }
                if line.hasPrefix(name + "_count") { timers[step, default: (0, 0)].count += value }
            }
        }
        return timers
    }
}
