/// A C2SP tlog-cosignature `cosignature/v1` (Ed25519): a witness's statement that, at `time`, the
/// checkpoint it signed was the largest consistent one it had seen of that log.
public struct Cosignature: Sendable, Hashable {
    public let keyName: String
    public let keyID: UInt32
    /// POSIX seconds, at most 2^63 - 1.
    public let time: UInt64
    /// The 64-byte Ed25519 signature over `message(for:)`.
    public let signature: [UInt8]

    static let signatureByteCount = 64

    init(keyName: String, keyID: UInt32, time: UInt64, signature: [UInt8]) {
        self.keyName = keyName
        self.keyID = keyID
        self.time = time
        self.signature = signature
    }

    /// Reads a note signature line of a cosignature key: its bytes after the key ID are
    /// `timestamped_signature`, an 8-byte big-endian time and the Ed25519 signature.
    init(_ line: NoteSignature) throws {
        guard line.signature.count == 8 + Self.signatureByteCount else {
            throw NoteError.invalidSignature(keyName: line.keyName, keyID: line.keyID)
        }
        let time = line.signature.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        guard time <= UInt64(Int64.max) else { throw NoteError.invalidSignature(keyName: line.keyName, keyID: line.keyID) }
        self.init(keyName: line.keyName, keyID: line.keyID, time: time, signature: Array(line.signature.dropFirst(8)))
    }

    /// `— <name> <base64(key ID || time || signature)>` and a newline: what a witness answers and
    /// what is appended to the checkpoint note.
    public var line: String {
        let time = (0..<8).reversed().map { UInt8(truncatingIfNeeded: self.time >> (8 * $0)) }
        return NoteSignature(keyName: keyName, keyID: keyID, signature: time + signature).line
    }

    /// `cosignature/v1\ntime <time>\n` and the checkpoint's whole note text, extension lines
    /// included: the bytes the witness signs. The header line keeps a cosignature from ever
    /// passing for the log's own signature, or for a signature over any other kind of note.
    static func message(for text: String, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n".utf8) + Array(text.utf8)
    }
}
