import ChildProcess
import Foundation

/// The Python that runs the independent checkers of the integration and router suites, as
/// `scripts/install-test-python` finds or makes it (python3 on PATH with every package they need, or
/// a virtual environment under `.build`). Tests that need it run everywhere, and fail (saying why)
/// where it cannot be had, instead of being skipped.
public enum TestPython {
    /// The interpreter; concurrent callers share the one set-up.
    public static var executable: URL {
        get async throws { try await ready.value }
    }

    private static let ready = Task { try await prepare() }

    private static func prepare() async throws -> URL {
        let made = try await Command.run(TestFiles.packageRoot.appendingPathComponent("scripts/install-test-python").path, [])
        guard made.status == 0 else { throw ChildProcessError("scripts/install-test-python failed: \(made.stderr)") }
        return URL(fileURLWithPath: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public static func run(_ arguments: [String], input: [UInt8]? = nil) async throws -> CommandResult {
        try await Command.run(try await executable.path, arguments, input: input)
    }
}
