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
        try StateFile.write(self, to: path)
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

    /// `encode` may write the value a faster way than `JSONEncoder.encode`, with the encoder as set up here.
    static func write<T: Encodable>(
        _ value: T, to path: String, encode: (JSONEncoder) throws -> Data = { _ in throw UseTheEncoder() }
    ) throws(AuditStateError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let bytes = try (try? encode(encoder)) ?? encoder.encode(value)
            try bytes.write(to: url, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
    }

    /// ~/.samtykke/<name>: $HOME first, as Unix tools do, so a user (or a test) can move it; the
    /// account's home otherwise.
    static func defaultPath(_ name: String) -> String {
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".samtykke/\(name)").path
    }

    private struct UseTheEncoder: Error {}

    /// How state files read times: ISO 8601, as `write` puts them.
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
