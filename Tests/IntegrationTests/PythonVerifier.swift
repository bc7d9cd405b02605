import Foundation

/// `scripts/verify-log.py`, the independent verifier, run as a child process.
enum PythonVerifier {
    static let script = Package.root.appendingPathComponent("scripts/verify-log.py").path

    /// Whether python3 and its `cryptography` package are installed: the script needs both.
    static func isAvailable() async -> Bool {
        (try? await run(["-c", "import cryptography.hazmat.primitives.asymmetric.ed25519"]).status) == 0
    }

    static func verify(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await run([script] + arguments)
    }

    /// Runs python3 (found on PATH) and waits on a dispatch thread, never on Swift's cooperative pool.
    private static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = ["python3"] + arguments
                    let out = Pipe()
                    let err = Pipe()
                    process.standardOutput = out
                    process.standardError = err
                    try process.run()
                    let stdout = out.fileHandleForReading.readDataToEndOfFile()
                    let stderr = err.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
                })
            }
        }
    }
}
