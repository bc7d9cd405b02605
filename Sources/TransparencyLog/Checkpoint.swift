/// A transparency log's signed tree head (C2SP tlog-checkpoint).
public struct Checkpoint: Sendable, Hashable {
    /// The log's identity, conventionally a schema-less URL such as `example.com/log`.
    public let origin: String
    public let size: UInt64
    public let rootHash: Hash

    public init(origin: String, size: UInt64, rootHash: Hash) throws {
        guard !origin.isEmpty, !origin.utf8.contains(where: { $0 < 0x20 }) else {
            throw CheckpointError.invalidOrigin(origin)
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
    }

    /// Parses a checkpoint body strictly. Extension lines after the third are allowed, as the
    /// spec requires, but dropped: they are not auditable, so nothing here relies on them, and
    /// `body` of the result does not reproduce them.
    public init(parsing body: String) throws {
        guard body.hasSuffix("\n") else { throw CheckpointError.missingFinalNewline }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3 else { throw CheckpointError.tooFewLines(lines.count) }
        if let empty = lines.firstIndex(where: \.isEmpty) { throw CheckpointError.emptyLine(empty + 1) }

        let sizeLine = lines[1]
        guard sizeLine.utf8.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 }),
              sizeLine == "0" || !sizeLine.hasPrefix("0"),
              let size = UInt64(sizeLine)
        else { throw CheckpointError.invalidSize(String(sizeLine)) }
        guard let rootHash = Hash(base64: String(lines[2])) else { throw CheckpointError.invalidRootHash(String(lines[2])) }
        try self.init(origin: String(lines[0]), size: size, rootHash: rootHash)
    }

    /// Opens `signedNote` with `verifier` and parses its text as a checkpoint.
    public static func open(_ signedNote: String, verifier: NoteVerifier) throws -> Checkpoint {
        try Checkpoint(parsing: verifier.open(signedNote))
    }

    /// "<origin>\n<size>\n<base64 root hash>\n": the note text a log signs.
    public var body: String {
        "\(origin)\n\(size)\n\(rootHash.base64)\n"
    }
}
