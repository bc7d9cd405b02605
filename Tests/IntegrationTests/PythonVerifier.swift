import Foundation
import ChildProcess
import TestSupport

/// `scripts/verify-log.py` and `scripts/verify-tiles.py`, the independent verifiers, run as child
/// processes.
enum PythonVerifier {
    static let script = Package.root.appendingPathComponent("scripts/verify-log.py").path
    static let tilesScript = Package.root.appendingPathComponent("scripts/verify-tiles.py").path

    static func verify(_ arguments: [String]) async throws -> CommandResult {
        try await run([script] + arguments)
    }

    static func verifyTiles(_ arguments: [String]) async throws -> CommandResult {
        try await run([tilesScript] + arguments)
    }

    private static func run(_ arguments: [String]) async throws -> CommandResult {
        try await TestPython.run(arguments)
    }
}
