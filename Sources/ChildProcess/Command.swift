import Foundation
import OwnThread

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    public let status: Int32
    public let output: Data
    public let stderr: String
    public let seconds: Double

    public var stdout: String { String(decoding: output, as: UTF8.self) }
}

/// Programs run to their end: the one way samtykke runs openssl (the dev PKI) and itself (the demo's
/// citizen), and the tests and benchmarks run openssl, psql, python3 and the CLI.
///
/// A child sees this process's environment without its `SAMTYKKE_*` settings, plus what the caller
/// names: every flag also reads from `SAMTYKKE_<FLAG>`, so an inherited one would quietly change
/// what the child does.
public enum Command {
    /// Waits on a thread of its own: blocking the threads Swift's tasks share would stall the
    /// in-process servers the program may be talking to.
    public static func run(
        _ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String] = [:], input: [UInt8]? = nil
    ) async throws -> CommandResult {
        try await onOwnThread { () throws(any Error) in try runBlocking(executable, arguments, cwd: cwd, environment: environment, input: input) }
    }

    /// For synchronous callers only; anything async uses `run`.
    public static func runBlocking(
        _ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String] = [:], input: [UInt8]? = nil
    ) throws -> CommandResult {
        let directory = FileManager.default.temporaryDirectory
        let name = "command-\(UUID().uuidString)"
        let inPath = directory.appendingPathComponent(name + ".in").path
        let out = directory.appendingPathComponent(name + ".out").path
        let err = directory.appendingPathComponent(name + ".err").path
        defer { for path in [inPath, out, err] { try? FileManager.default.removeItem(atPath: path) } }
        if let input { try Data(input).write(to: URL(fileURLWithPath: inPath)) }
        let start = ContinuousClock.now
        let pid = try Spawn.start(
            try resolve(executable), arguments, cwd: cwd, environment: cleanEnvironment().merging(environment) { $1 },
            stdin: input == nil ? "/dev/null" : inPath, stdout: out, stderr: err
        )
        let status = Spawn.wait(pid)
        let elapsed = ContinuousClock.now - start
        return CommandResult(
            status: status,
            output: (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data(),
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
    }

    /// An absolute path for `name`, looked up on PATH unless it has a slash.
    public static func resolve(_ name: String) throws -> String {
        if name.contains("/") { return name }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ChildProcessError("\(name) is not on PATH")
    }

    /// The environment without any `SAMTYKKE_*` setting that would change what the commands do.
    public static func cleanEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SAMTYKKE_") && $0.key != "LD_PRELOAD" }
    }
}
