import ChildProcess
import Foundation
import TestSupport
import Testing

/// A broker on PostgreSQL whose database is not there at start, comes, and goes: it binds its port
/// and serves `/healthz`, `/readyz` (503, naming the database, without waiting on it) and `/metrics` the
/// whole time, becomes ready when the database comes, and logs each change once. The database is a
/// private PostgreSQL cluster of this test's own, so it can be started and stopped; the test runs
/// where the PostgreSQL tests run (`scripts/with-postgres`).
@Suite(.heavy, .serialized, .enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct DatabaseOutageTests {
    @Test func theBrokerServesHealthAndMetricsWithoutItsDatabaseAndBecomesReadyWhenItComes() async throws {
        try await withTemporaryDirectory { dir in
            let cluster = try await PrivateCluster(in: dir.appendingPathComponent("pg"))
            let pki = dir.appendingPathComponent("pki")
            _ = try await TestPKI.copyOfMain(at: pki)
            let agency = ServerProcess(["mock-tax-agency", "--pki", pki.path, "--fixtures", Package.fixtures])
            try agency.start()
            let agencyURL = try await agency.waitUntilListening()
            // At debug, ServiceLifecycle names each service as it stops: a stop that hangs shows which.
            let broker = ServerProcess(["serve", "--database", cluster.url, "--pki", pki.path, "--tax-agency", agencyURL, "--log-level", "debug"])
            try await withCleanup {
                try broker.start()
                // Nothing listens on the database's port yet: the broker binds its own all the same.
                try await broker.waitUntilListening(timeout: .seconds(30))
                let anyone = Caller(server: broker.url, credential: nil)
                #expect(try await anyone.send("GET", "/healthz").status == 200)
                try await Self.expectUnready(anyone)

                try await cluster.start()
                try await Self.waitUntil(anyone, answers: 200, within: .seconds(60), log: broker)
                let up = try await MetricFamilies.parse(try await anyone.send("GET", "/metrics").text)
                #expect(up.value("samtykke_database_up") == 1)

                try await cluster.stop()
                // The background check notices within about two seconds (longer on a starved machine).
                try await Self.waitUntil(anyone, answers: 503, within: .seconds(15), log: broker)
                try await Self.expectUnready(anyone)

                try await cluster.start()
                try await Self.waitUntil(anyone, answers: 200, within: .seconds(60), log: broker)

                // An outage behind it does not hold up stopping: SIGTERM ends it well before the 20 s
                // stop cap (a broker that waited on its pool's dead connections took longer than 30 s;
                // a quiet machine stops it in under a second, one busy with the whole suite in seconds).
                let started = ContinuousClock.now
                let exit = await broker.stop(signal: SIGTERM, grace: .seconds(10))
                let took = started.duration(to: .now)
                #expect(exit == 0 && took < .seconds(12), "exit \(exit.map(String.init) ?? "none") after \(took):\n\(broker.logTail(lines: 60))")
            } cleanup: {
                await broker.stop()
                await agency.stop()
                try? await cluster.stop()
            }
            let log = broker.logTail(lines: 10_000)
            // Once per change of state, however many requests and checks met the outage.
            #expect(log.components(separatedBy: "database unavailable").count - 1 == 2, "\(log)")
            #expect(log.components(separatedBy: "database available again").count - 1 == 2, "\(log)")
            // At `error`, with what failed (the default text handler writes the level before the label).
            let failures = log.split(separator: "\n").filter { $0.contains("database unavailable") }
            #expect(failures.allSatisfy { $0.contains(" error ") && $0.contains("error=") }, "\(failures)")
            let listening = try #require(log.split(separator: "\n").first { $0.contains("broker listening") })
            #expect(listening.contains("version=") && listening.contains("backend=postgresql") && listening.contains("url=http://127.0.0.1:\(broker.port)"), "\(listening)")
            #expect(log.contains("broker stopped") && log.contains("reason=signal SIGTERM"), "\(log)")
        }
    }

    /// `/readyz` is 503 naming the database, fast; `/healthz` and `/metrics` answer, the gauge at 0.
    /// Fast means no slower than `/healthz`, which never touches the database, plus less than the
    /// 2 s a database check may take: the quickest of three of each, so a machine busy with the
    /// whole suite (a single round trip has taken over a second there) moves both alike.
    static func expectUnready(_ anyone: Caller) async throws {
        var ready: [Duration] = []
        var alive: [Duration] = []
        for _ in 0..<3 {
            var started = ContinuousClock.now
            let answer = try await anyone.send("GET", "/readyz")
            ready.append(started.duration(to: .now))
            #expect(answer.status == 503, "\(answer.text)")
            #expect((answer.json["database"] as? String)?.hasPrefix("unavailable") == true, "\(answer.text)")
            started = ContinuousClock.now
            #expect(try await anyone.send("GET", "/healthz").status == 200)
            alive.append(started.duration(to: .now))
        }
        #expect(ready.min()! < alive.min()! + .seconds(1), "/readyz took \(ready), /healthz \(alive)")
        let metrics = try await anyone.send("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(try await MetricFamilies.parse(metrics.text).value("samtykke_database_up") == 0)
    }

    static func waitUntil(_ anyone: Caller, answers status: Int, within timeout: Duration, log broker: ServerProcess) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await anyone.send("GET", "/readyz").status == status { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ChildProcessError("/readyz did not answer \(status) within \(timeout) of the database starting or stopping:\n\(broker.logTail())")
    }
}

/// A PostgreSQL cluster of one test's own, on a port of its own, started and stopped at will
/// (`initdb` and `pg_ctl` as `scripts/with-postgres` uses them; as the `postgres` user when run as root).
struct PrivateCluster {
    let data: URL
    let port: Int
    let bin: String
    var url: String { "postgres://postgres@127.0.0.1:\(port)/samtykke" }

    init(in directory: URL) async throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted().last else { throw ChildProcessError("no PostgreSQL under /usr/lib/postgresql") }
        bin = "/usr/lib/postgresql/\(version)/bin"
        port = try ServerProcess.freePort()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        data = directory.appendingPathComponent("data")
        if getuid() == 0 {
            // The postgres user must pass through the test's directory, which may be private.
            try FileManager.default.setAttributes([.posixPermissions: 0o711], ofItemAtPath: directory.deletingLastPathComponent().path)
            try await Self.run("chown", ["-R", "postgres", directory.path])
        }
        try await run("initdb", ["-D", data.path, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
    }

    func start() async throws {
        try await run("pg_ctl", [
            "-D", data.path, "-l", data.deletingLastPathComponent().appendingPathComponent("server.log").path, "-w", "-t", "60",
            "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(data.deletingLastPathComponent().path)", "start",
        ])
        // Made on the first start; a restart finds it.
        _ = try? await run("createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "samtykke"])
    }

    func stop() async throws {
        try await run("pg_ctl", ["-D", data.path, "-m", "fast", "-w", "stop"])
    }

    private func run(_ tool: String, _ arguments: [String]) async throws {
        let path = "\(bin)/\(tool)"
        if getuid() == 0 {
            try await Self.run("runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            try await Self.run(path, arguments)
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws {
        let result = try await Command.run(executable, arguments)
        guard result.status == 0 else { throw ChildProcessError("\(executable) \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
    }
}
