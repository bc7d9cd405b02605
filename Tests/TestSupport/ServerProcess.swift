import ChildProcess
import Foundation
import Synchronization

/// A server run as its own process, as an operator runs it, on a port it reports itself.
///
/// The first start passes `--port 0` unless a port was chosen, and the server's own "listening"
/// log line says which port it bound: a port picked free beforehand can be taken by another test's
/// server before this one binds it, and a readiness probe would then talk to the wrong process. A
/// restart binds the same port again, so clients and peers that know its URL reach it.
public final class ServerProcess: Sendable {
    public let name: String
    public let logPath: String
    private let executable: String
    private let arguments: [String]
    private let cwd: String?
    private let environment: [String: String]
    private let removesLog: Bool

    private struct Run {
        var pid: pid_t
        var exitStatus: Int32?
        /// Where this run's output starts in the log, which earlier runs share.
        var logOffset: UInt64
    }
    private struct State {
        var run: Run?
        var port: Int?
        var url: String?
    }
    private let state: Mutex<State>

    /// `arguments` without `--port`. With no `logPath` the output goes to a temporary file removed
    /// with this object.
    public init(
        name: String, executable: String, arguments: [String], port: Int? = nil, cwd: String? = nil, logPath: String? = nil,
        environment: [String: String] = [:]
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.cwd = cwd
        self.environment = environment
        removesLog = logPath == nil
        self.logPath = logPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString).log").path
        state = Mutex(State(run: nil, port: port, url: nil))
    }

    deinit {
        if removesLog { try? FileManager.default.removeItem(atPath: logPath) }
    }

    /// Starts the server; `extraEnvironment` is added to this start only.
    public func start(environment extraEnvironment: [String: String] = [:]) throws {
        try state.withLock { state in
            if let run = state.run, run.exitStatus == nil, Spawn.poll(run.pid) == nil {
                throw ChildProcessError("\(name) is already running (pid \(run.pid))")
            }
            let offset = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? UInt64) ?? 0
            let pid = try Spawn.start(
                executable, arguments + ["--port", "\(state.port ?? 0)"], cwd: cwd,
                environment: Command.cleanEnvironment().merging(environment) { $1 }.merging(extraEnvironment) { $1 },
                stdout: logPath, stderr: nil, appending: true
            )
            state.run = Run(pid: pid, exitStatus: nil, logOffset: offset)
        }
    }

    /// Waits for this run's "listening" line and returns the URL it names. Throws with the end of
    /// the log if the process ends first (a port taken, a bad flag) or `timeout` passes.
    @discardableResult
    public func waitUntilListening(timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let run = state.withLock({ $0.run }) else { throw ChildProcessError("\(name) was never started") }
            if let url = Self.listeningURL(in: log(from: run.logOffset)) {
                guard let port = url.split(separator: ":").last.flatMap({ Int($0) }) else { throw ChildProcessError("\(name) listens on \(url)?") }
                state.withLock {
                    $0.port = port
                    $0.url = url
                }
                return url
            }
            if !isRunning { throw ChildProcessError("\(name) ended (status \(exitStatus ?? -1)) before it listened:\n\(logTail())") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ChildProcessError("\(name) did not listen within \(timeout):\n\(logTail())")
    }

    /// The URL the server's "listening" line named (`http://127.0.0.1:PORT`), in the text and the JSON log formats.
    static func listeningURL(in log: String) -> String? {
        for line in log.split(separator: "\n") where line.contains("listening") {
            guard let scheme = line.range(of: "https://") ?? line.range(of: "http://") else { continue }
            let rest = line[scheme.lowerBound...]
            return String(rest.prefix { !$0.isWhitespace && $0 != "\"" && $0 != "," })
        }
        return nil
    }

    /// The port: the one chosen, or the one the server reported once it listened.
    public var port: Int {
        guard let port = state.withLock({ $0.port }) else { preconditionFailure("\(name) has not reported its port yet") }
        return port
    }

    /// The URL the server reported, or plain HTTP on the chosen port before it did.
    public var url: String { state.withLock { $0.url } ?? "http://127.0.0.1:\(port)" }

    public var pid: pid_t {
        guard let pid = state.withLock({ $0.run?.pid }) else { preconditionFailure("\(name) was never started") }
        return pid
    }

    public var isRunning: Bool {
        state.withLock { state in
            guard var run = state.run else { return false }
            if run.exitStatus == nil { run.exitStatus = Spawn.poll(run.pid) }
            state.run = run
            return run.exitStatus == nil
        }
    }

    public var exitStatus: Int32? { state.withLock { $0.run?.exitStatus } }

    /// Sends `signal`, then SIGKILL if the process has not ended after `grace`; returns its exit
    /// status (128 + the signal that ended it).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(30)) async -> Int32? {
        guard state.withLock({ $0.run }) != nil else { return nil }
        guard isRunning else { return exitStatus }
        kill(pid, signal)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if isRunning { kill(pid, SIGKILL) }
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return exitStatus
    }

    private func log(from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// The last lines of everything the server printed, for error messages.
    public func logTail(lines: Int = 30) -> String {
        log(from: 0).split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// A loopback port nothing listens on right now, for a peer that must be named before it starts.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ChildProcessError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
