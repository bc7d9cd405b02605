import Foundation
import Synchronization

/// What a finished command printed and how it ended.
struct CommandResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
    let seconds: Double
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Child processes started with posix_spawn, with a clean signal mask and default signal handling.
///
/// Foundation's `Process` hands a child the signal mask of the thread that starts it, and Swift's
/// worker threads block most signals: a child started that way never sees SIGALRM (`openssl speed`
/// then spins forever) nor SIGTERM (a server cannot be stopped gracefully).
enum Spawn {
    static func start(_ executable: String, _ arguments: [String], cwd: String?, environment: [String: String],
                      stdout: String, stderr: String?) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        if let cwd {
            // glibc has it since 2.29, but Swift's Glibc module does not export the _np name.
            typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { throw BenchError("this libc cannot spawn in a directory") }
            _ = unsafeBitCast(symbol, to: AddChdir.self)(&actions, cwd)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGALRM, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(status)))") }
        return pid
    }

    /// Exit status of a reaped child: its exit code, or 128 + the signal that ended it.
    static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Blocks until `pid` ends.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitCode(status)
    }

    /// The exit status if `pid` has ended (and reaps it), nil while it runs.
    static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        return reaped == pid ? exitCode(status) : nil
    }
}

enum Shell {
    /// Runs a command to completion, its output captured through files (no pipe can fill up and stall
    /// it). The wait happens on a dispatch thread, never on Swift's small cooperative pool.
    static func run(_ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String] = [:]) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(executable, arguments, cwd: cwd, environment: environment) })
            }
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], cwd: String?, environment: [String: String]) throws -> CommandResult {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).out").path
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).err").path
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let start = ContinuousClock.now
        let pid = try Spawn.start(try resolve(executable), arguments, cwd: cwd, environment: cleanEnvironment().merging(environment) { $1 },
                                  stdout: out, stderr: err)
        let status = Spawn.wait(pid)
        return CommandResult(
            status: status,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            seconds: (ContinuousClock.now - start).seconds
        )
    }

    /// An absolute path for `name`, looked up on PATH unless it has a slash.
    static func resolve(_ name: String) throws -> String {
        if name.contains("/") { return name }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw BenchError("\(name) is not on PATH")
    }

    /// The environment without any `SAMTYKKE_*` setting that would change what the commands do.
    static func cleanEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SAMTYKKE_") && $0.key != "LD_PRELOAD" }
    }
}

/// A server started as its own process (broker or mock agency), stopped with SIGTERM at the end.
final class ServerProcess: Sendable {
    let name: String
    let port: Int
    let logPath: String
    let pid: pid_t
    private let exitStatus = Mutex<Int32?>(nil)

    init(name: String, executable: String, arguments: [String], port: Int, cwd: String, logPath: String, environment: [String: String] = [:]) throws {
        self.name = name
        self.port = port
        self.logPath = logPath
        pid = try Spawn.start(executable, arguments, cwd: cwd, environment: Shell.cleanEnvironment().merging(environment) { $1 },
                              stdout: logPath, stderr: nil)
    }

    var isRunning: Bool {
        exitStatus.withLock { status in
            if status == nil { status = Spawn.poll(pid) }
            return status == nil
        }
    }

    /// SIGTERM, then SIGKILL if it has not ended after `grace`; returns the exit status.
    @discardableResult
    func stop(grace: Duration = .seconds(10)) async -> Int32? {
        guard isRunning else { return exitStatus.withLock { $0 } }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if isRunning { kill(pid, SIGKILL) }
        while isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return exitStatus.withLock { $0 }
    }

    static func freePort() throws -> Int {
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
        guard bound else { throw BenchError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Readings from /proc: memory high-water marks and CPU time of a process.
enum ProcFS {
    /// A `Vm*` line of /proc/<pid>/status in KiB (VmHWM, VmRSS, ...).
    static func memoryKiB(pid: Int32, field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }

    /// User + system CPU seconds used so far by the process (all its threads).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name start at field 3 (state); utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static var selfPID: Int32 { getpid() }

    /// CPU seconds the whole machine spent busy (not idle, not waiting for I/O), all cores together.
    static func machineBusySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return 0 }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 5 else { return 0 }
        // user nice system idle iowait irq softirq steal ...; guest time is already inside user.
        let busy = fields.prefix(8).enumerated().filter { $0.offset != 3 && $0.offset != 4 }.map(\.element).reduce(0, +)
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The 1-minute load average.
    static func loadAverage() -> Double {
        Double((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "") ?? 0
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
