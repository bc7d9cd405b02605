/// Why a dev PKI could not be made. Each case renders as one line for the CLI's stderr.
public enum DevPKIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The directory already holds (part of) a PKI and overwriting was not asked for.
    case alreadyExists(directory: String, file: String)
    case opensslNotFound(String)
    /// openssl ran and failed; `stderr` is what it said, trimmed.
    case opensslFailed(command: String, status: Int32, stderr: String)
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyExists(let directory, let file):
            "\(directory) already holds a dev PKI (\(file) exists); pass overwrite to replace it"
        case .opensslNotFound(let name):
            "openssl executable \(name) was not found"
        case .opensslFailed(let command, let status, let stderr):
            "\(command) exited with status \(status): \(stderr.isEmpty ? "no error output" : stderr)"
        case .fileSystem(let path, let reason):
            "\(path): \(reason)"
        }
    }
}
