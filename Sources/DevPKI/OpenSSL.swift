import ChildProcess
import Foundation

/// The `openssl` command line, run synchronously. Every call writes its results to files named in
/// its arguments, so only stderr is captured: it becomes the error message when openssl fails.
struct OpenSSL {
    let executable: URL

    /// Resolves `name` the way a shell would: a path if it contains a slash, otherwise through `PATH`.
    init(_ name: String) throws(DevPKIError) {
        guard let path = try? Command.resolve(name), FileManager.default.isExecutableFile(atPath: path) else { throw .opensslNotFound(name) }
        executable = URL(fileURLWithPath: path)
    }

    func run(_ arguments: [String]) throws(DevPKIError) {
        let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        // No terminal (stdin is /dev/null): if openssl ever wanted to prompt, it must fail instead of hanging.
        let result: CommandResult
        do {
            result = try Command.runBlocking(executable.path, arguments)
        } catch {
            throw .opensslFailed(command: command, status: -1, stderr: "could not start: \(error)")
        }
        guard result.status == 0 else {
            throw .opensslFailed(command: command, status: result.status, stderr: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
