import Foundation
import ChildProcess
import TestSupport

/// The Python that runs the independent checkers (`scripts/verify-log.py`, `verify-tiles.py`,
/// `metric-families.py`, `webhook-receiver`, `key-bank-client.py`, `oidc-client.py`, `oidc-provider.py`, `browser-test.py`, the OpenAPI checks and client generators): python3 on PATH when it has every
/// package they need, otherwise a virtual environment under `.build` with them installed, made once. Tests that need
/// it run everywhere, and fail (saying why) where it cannot be had, instead of being skipped.
enum TestPython {
    static let packages = [
        "cryptography", "prometheus_client", "standardwebhooks", "openapi-spec-validator", "jsonschema", "pyjwt", "joserfc", "opentelemetry-proto",
        "openapi-python-client", "datamodel-code-generator", "authlib", "requests", "flask", "selenium", "axe-selenium-python",
    ]
    static let modules = [
        "cryptography.hazmat.primitives.asymmetric.ed25519", "prometheus_client.parser", "standardwebhooks", "openapi_spec_validator", "jsonschema", "jwt", "joserfc",
        "opentelemetry.proto.collector.trace.v1.trace_service_pb2", "openapi_python_client", "datamodel_code_generator", "authlib.integrations.flask_oauth2", "authlib.integrations.requests_client",
        "selenium.webdriver", "axe_selenium_python",
    ]

    /// The interpreter; concurrent callers share the one set-up.
    static var executable: URL {
        get async throws { try await ready.value }
    }

    private static let ready = Task { try await prepare() }

    private static func prepare() async throws -> URL {
        let check = "import " + modules.joined(separator: ", ")
        if (try? await Command.run("python3", ["-c", check]))?.status == 0 {
            let path = try await Command.run("python3", ["-c", "import sys; print(sys.executable)"]).stdout
            return URL(fileURLWithPath: path.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let venv = Package.root.appendingPathComponent(".build/test-python")
        let python = venv.appendingPathComponent("bin/python3")
        if (try? await Command.run(python.path, ["-c", check]))?.status == 0 { return python }
        let made = try await Command.run("python3", ["-m", "venv", venv.path])
        guard made.status == 0 else { throw ChildProcessError("python3 -m venv failed (Debian: apt-get install python3-venv): \(made.stderr)") }
        let installed = try await Command.run(
            venv.appendingPathComponent("bin/pip").path, ["install", "--quiet", "--disable-pip-version-check"] + packages
        )
        guard installed.status == 0 else { throw ChildProcessError("pip install \(packages.joined(separator: " ")) failed: \(installed.stderr)") }
        return python
    }

    static func run(_ arguments: [String], input: [UInt8]? = nil) async throws -> CommandResult {
        try await Command.run(try await executable.path, arguments, input: input)
    }
}
