import Foundation

/// The Python that runs the independent checkers (`scripts/verify-log.py`, `verify-tiles.py`,
/// `metric-families.py`, `webhook-receiver`): python3 on PATH when it has every package they need,
/// otherwise a virtual environment under `.build` with them installed, made once. Tests that need
/// it run everywhere, and fail (saying why) where it cannot be had, instead of being skipped.
enum TestPython {
    static let packages = ["cryptography", "prometheus_client", "standardwebhooks"]
    static let modules = ["cryptography.hazmat.primitives.asymmetric.ed25519", "prometheus_client.parser", "standardwebhooks"]

    /// The interpreter; concurrent callers share the one set-up.
    static var executable: URL {
        get async throws { try await ready.value }
    }

    private static let ready = Task { try await prepare() }

    private static func prepare() async throws -> URL {
        let env = URL(fileURLWithPath: "/usr/bin/env")
        let check = "import " + modules.joined(separator: ", ")
        if (try? await runProcess(env, ["python3", "-c", check]))?.status == 0 {
            let path = try await runProcess(env, ["python3", "-c", "import sys; print(sys.executable)"]).stdout
            return URL(fileURLWithPath: path.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let venv = Package.root.appendingPathComponent(".build/test-python")
        let python = venv.appendingPathComponent("bin/python3")
        if (try? await runProcess(python, ["-c", check]))?.status == 0 { return python }
        let made = try await runProcess(env, ["python3", "-m", "venv", venv.path])
        guard made.status == 0 else { throw ServerProcessError("python3 -m venv failed (Debian: apt-get install python3-venv): \(made.stderr)") }
        let installed = try await runProcess(
            venv.appendingPathComponent("bin/pip"), ["install", "--quiet", "--disable-pip-version-check"] + packages
        )
        guard installed.status == 0 else { throw ServerProcessError("pip install \(packages.joined(separator: " ")) failed: \(installed.stderr)") }
        return python
    }

    static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProcess(try await executable, arguments)
    }
}
