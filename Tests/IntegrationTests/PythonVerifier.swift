import Foundation

/// `scripts/verify-log.py` and `scripts/verify-tiles.py`, the independent verifiers, run as child
/// processes.
enum PythonVerifier {
    static let script = Package.root.appendingPathComponent("scripts/verify-log.py").path
    static let tilesScript = Package.root.appendingPathComponent("scripts/verify-tiles.py").path

    /// Whether python3 and its `cryptography` package are installed: the script needs both.
    static func isAvailable() async -> Bool {
        (try? await run(["-c", "import cryptography.hazmat.primitives.asymmetric.ed25519"]).status) == 0
    }

    static func verify(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await run([script] + arguments)
    }

    static func verifyTiles(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await run([tilesScript] + arguments)
    }

    /// Runs python3 as found on PATH.
    private static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
    }
}
