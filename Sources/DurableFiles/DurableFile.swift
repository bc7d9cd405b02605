#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files whose writes survive a crash or power loss once the call returns.
public enum DurableFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Replaces a file so that after a crash or power loss it holds either the old bytes or the new
    /// ones, and once `replace` returns, the new ones: written to a temporary file, fsynced, renamed
    /// over the old one, and the directory fsynced so the rename itself is on disk.
    ///
    /// The temporary file is `path` + ".tmp": callers must not replace one path concurrently.
    public static func replace(_ path: String, in directory: String, with bytes: [UInt8]) throws(Failure) {
        let temporary = path + ".tmp"
        let file = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw failure("cannot create \(temporary)") }
        let writeFailure = writeAndSync(file, bytes, name: temporary)
        close(file)
        if let writeFailure { throw writeFailure }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        try syncDirectory(directory)
    }

    /// Appends `bytes` to `path` (created owner-only if missing) and returns once they are on disk.
    /// A crash while appending can leave a torn last record, which readers must tell apart: end
    /// every record with a terminator and ignore an unterminated tail. `syncDirectory: false` when an
    /// earlier append by this process returned, so the file's directory entry is on disk already.
    public static func append(_ path: String, in directory: String, _ bytes: [UInt8], syncDirectory: Bool = true) throws(Failure) {
        let file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw failure("cannot open \(path)") }
        let writeFailure = writeAndSync(file, bytes, name: path)
        close(file)
        if let writeFailure { throw writeFailure }
        // The first append creates the file: its directory entry must be on disk too.
        if syncDirectory { try Self.syncDirectory(directory) }
    }

    /// Cuts `path` to its first `length` bytes and appends `bytes` there, returning once they are on
    /// disk: for a file whose reader is told how many of its bytes count, so that bytes written past
    /// them by a run that then failed are dropped, never built on. Fails, changing nothing, when the
    /// file is missing or shorter than `length`.
    public static func append(_ path: String, _ bytes: [UInt8], after length: Int) throws(Failure) {
        let file = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard file >= 0 else { throw failure("cannot open \(path)") }
        defer { close(file) }
        var status = stat()
        guard fstat(file, &status) == 0 else { throw failure("cannot read the size of \(path)") }
        guard length >= 0, Int(status.st_size) >= length else {
            throw Failure(description: "\(path) holds \(status.st_size) bytes, fewer than the \(length) counted")
        }
        guard ftruncate(file, off_t(length)) == 0 else { throw failure("cannot cut \(path) to \(length) bytes") }
        if let writeFailure = writeAndSync(file, bytes, name: path) { throw writeFailure }
    }

    private static func syncDirectory(_ directory: String) throws(Failure) {
        let directoryHandle = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryHandle >= 0 else { throw failure("cannot open \(directory)") }
        defer { close(directoryHandle) }
        guard fsync(directoryHandle) == 0 else { throw failure("cannot fsync \(directory)") }
    }

    private static func writeAndSync(_ file: Int32, _ bytes: [UInt8], name: String) -> Failure? {
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return failure("cannot write \(name)") }
            written += result
        }
        return fsync(file) == 0 ? nil : failure("cannot fsync \(name)")
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
