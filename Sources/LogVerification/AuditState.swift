import DurableFiles
import Foundation
import TransparencyLog

/// What `audit verify` remembers between runs (trust on first use): the log key and the last
/// checkpoint it verified, so the next run can prove the log only grew since.
///
/// The signed note itself is stored, not its fields, so a hand-edited state file cannot make a
/// verifier trust a tree the log never signed: `trusted()` re-opens it with the stored key.
public struct AuditState: Codable, Sendable, Hashable {
    public let server: String
    public let logKey: String
    public let checkpoint: String
    public let verifiedAt: Date

    public init(server: String, verified: VerifiedLog, at now: Date) {
        self.init(server: server, logKey: verified.logKey, checkpoint: verified.signedCheckpoint, at: now)
    }

    init(server: String, logKey: String, checkpoint: String, at now: Date) {
        self.server = server
        self.logKey = logKey
        self.checkpoint = checkpoint
        verifiedAt = now
    }

    /// The checkpoint trusted from the last run, re-verified with the key trusted with it.
    public func trusted() throws(AuditStateError) -> Checkpoint {
        do {
            return try Checkpoint.open(checkpoint, verifier: NoteVerifier(verifierKey: logKey))
        } catch {
            throw .malformed("its checkpoint does not verify with its log key: \(error)")
        }
    }

    /// ~/.samtykke/audit-state-<first 16 hex digits of SHA-256 of the server URL>.json: one file per
    /// log, so auditing two brokers never mixes their trusted checkpoints.
    public static func defaultPath(server: String) -> String {
        StateFile.defaultPath("audit-state-\(Hash(sha256Of: Array(server.utf8)).hex.prefix(16)).json")
    }

    /// The state at `path`, or nil when there is none yet (a first run); a damaged one is an error.
    public static func load(from path: String) throws(AuditStateError) -> AuditState? {
        try StateFile.read(AuditState.self, from: path, writer: "audit verify") { state throws(AuditStateError) in _ = try state.trusted() }
    }

    /// Writes atomically (a crash leaves the old state or the new, never half of one), readable by
    /// the owner only, creating the directory if needed.
    public func save(to path: String) throws(AuditStateError) {
        try StateFile.takingTurns(at: path) { () throws(AuditStateError) in try StateFile.write(self, to: path) }
    }
}

/// A verifier's state file: JSON, written atomically with mode 0600, read strictly.
enum StateFile {
    /// The value at `path`, or nil when there is none yet (a first run). A file that exists but
    /// cannot be read is an error, never a silent first run, or deleting trust would be one garbled
    /// file away.
    /// `check` is what else the value must be to be used; what it throws makes the file unreadable.
    /// `decode` may read the bytes a faster way; when it returns nil the decoder reads them.
    static func read<T: Decodable>(
        _ type: T.Type, from path: String, writer: String, decode: (Data, JSONDecoder) -> T? = { _, _ in nil },
        check: (T) throws(AuditStateError) -> Void
    ) throws(AuditStateError) -> T? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: "it cannot be read (\(error.localizedDescription))")
        }
        let value: T
        do {
            let decoder = decoder
            value = try decode(bytes, decoder) ?? decoder.decode(T.self, from: bytes)
        } catch {
            // A decoder's account (coding paths, "dataCorrupted") helps no one: the file is not what
            // the verifier wrote, and what to do about it is the same whatever broke it.
            throw .unreadable(path: path, reason: "it is truncated or damaged, not the state file \(writer) writes")
        }
        do {
            try check(value)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        return value
    }

    /// Writes `value` durably in place of the file at `path`: the old state or the new after a
    /// crash, never half of one, and owner-only from its first byte. Under `takingTurns`, as the
    /// temporary file beside it is one per path.
    static func write<T: Encodable>(_ value: T, to path: String) throws(AuditStateError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try DurableFile.replace(path, in: folder(of: path).path, with: Array(encoder.encode(value)))
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
    }

    /// Runs `body` while no other run saves a state in the folder of `path` (created owner-only if
    /// missing): two verifications of one log at once take turns, so neither builds on files the
    /// other is replacing.
    static func takingTurns<T>(at path: String, _ body: () throws(AuditStateError) -> T) throws(AuditStateError) -> T {
        let folder = folder(of: path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
        let turn = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard turn >= 0 else { throw .unwritable(path: path, reason: "cannot open its folder: \(String(cString: strerror(errno)))") }
        defer { close(turn) }
        guard flock(turn, LOCK_EX) == 0 else { throw .unwritable(path: path, reason: "cannot lock its folder: \(String(cString: strerror(errno)))") }
        return try body()
    }

    static func folder(of path: String) -> URL {
        URL(fileURLWithPath: path).deletingLastPathComponent()
    }

    /// ~/.samtykke/<name>: $HOME first, as Unix tools do, so a user (or a test) can move it; the
    /// account's home otherwise.
    static func defaultPath(_ name: String) -> String {
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".samtykke/\(name)").path
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
