import Foundation
import ChildProcess
import TestSupport

/// Runs the system `openssl` to inspect what DevPKI made, so the tests judge the output with a tool
/// other than the code under test.
enum OpenSSLCommand {
    static func run(_ arguments: [String]) async throws -> Data {
        let result = try await Command.run("openssl", arguments)
        guard result.status == 0 else {
            throw TestFailure("openssl \(arguments.joined(separator: " ")) exited with \(result.status): \(result.stderr)")
        }
        return result.output
    }

    static func text(_ arguments: [String]) async throws -> String {
        String(decoding: try await run(arguments), as: UTF8.self)
    }
}
