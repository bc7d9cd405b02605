import Foundation

/// The `openssl` command line, run synchronously. Every call writes its results to files named in
/// its arguments, so only stderr is captured: it becomes the error message when openssl fails.
struct OpenSSL {
    let executable: URL

    /// Resolves `name` the way a shell would: a path if it contains a slash, otherwise through `PATH`.
    init(_ name: String) throws(DevPKIError) {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else { throw .opensslNotFound(name) }
            executable = URL(fileURLWithPath: name)
            return
        }
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = searchPath.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw .opensslNotFound(name)
        }
        executable = found
    }

    func run(_ arguments: [String]) throws(DevPKIError) {
        let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // No terminal: if openssl ever wanted to prompt, it must fail instead of hanging.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw .opensslFailed(command: command, status: -1, stderr: "could not start: \(error.localizedDescription)")
        }
        let output = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let message = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .opensslFailed(command: command, status: process.terminationStatus, stderr: message)
        }
    }
}
