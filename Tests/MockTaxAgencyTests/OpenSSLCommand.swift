import Foundation
import ProcessHarness

/// Runs the system `openssl` to inspect what DevPKI made, so the tests judge the output with a tool
/// other than the code under test.
enum OpenSSLCommand {
    static func run(_ arguments: [String]) throws -> Data {
        let result = try Command.runBlocking("openssl", arguments)
        guard result.status == 0 else {
            throw TestFailure("openssl \(arguments.joined(separator: " ")) exited with \(result.status): \(result.stderr)")
        }
        return result.output
    }

    static func text(_ arguments: [String]) throws -> String {
        String(decoding: try run(arguments), as: UTF8.self)
    }
}
