import Foundation
import OwnThread

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Child processes started with posix_spawn, with a clean signal mask and default signal handling.
///
/// Foundation's `Process` hands a child the signal mask of the thread that starts it, and Swift's
/// worker threads block most signals: a child started that way never sees SIGALRM (`openssl speed`
/// then spins forever) nor SIGTERM (a server cannot be stopped gracefully).
public enum Spawn {
    /// Input and output are files, never pipes, so no child can fill one up and stall. `stderr` nil
    /// sends it to `stdout`; `appending` keeps what an earlier run of the same server wrote.
    public static func start(
        _ executable: String, _ arguments: [String], cwd: String?, environment: [String: String],
        stdin: String = "/dev/null", stdout: String, stderr: String?, appending: Bool = false
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let mode = O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, mode, 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, mode, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Nothing but these three: SwiftNIO opens its sockets without FD_CLOEXEC, so a child would
        // hold every connection and listening socket of this process open. A broker's close of a
        // connection then reached its client only when the child ended (closes seen 20 s late in
        // full test runs), and a stopped server's port stayed bound while any child lived.
        // glibc has it since 2.34 (Debian 12 has 2.36); Swift's Glibc module does not export the _np names.
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            throw ChildProcessError("this libc cannot close a child's inherited descriptors (glibc 2.34 or later can)")
        }
        _ = unsafeBitCast(closeFrom, to: AddCloseFrom.self)(&actions, 3)
        if let cwd {
            typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { throw ChildProcessError("this libc cannot spawn in a directory") }
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
        guard status == 0 else { throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(status)))") }
        return pid
    }

    /// Exit status of a reaped child: its exit code, or 128 + the signal that ended it.
    public static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Blocks until `pid` ends.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitCode(status)
    }

    /// Waits for `pid` on a thread of its own, for as long as the child runs: blocking the threads
    /// Swift's tasks share would stall the in-process servers the child may be talking to.
    public static func waitAsync(_ pid: pid_t) async -> Int32 {
        await onOwnThread { wait(pid) }
    }

    /// The exit status if `pid` has ended (and reaps it), nil while it runs.
    public static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        return reaped == pid ? exitCode(status) : nil
    }
}
