/// Opens a checkpoint note that must carry the log's signature and a cosignature of every
/// given witness (SPEC §4: `audit verify --witness-key` requires each one it is given).
public struct CosignedCheckpointVerifier: Sendable {
    public let log: NoteVerifier
    public let witnesses: [CosignatureVerifier]

    public init(log: NoteVerifier, witnesses: [CosignatureVerifier]) {
        self.log = log
        self.witnesses = witnesses
    }

    /// Throws `NoteError.missingSignature` naming the first witness that did not cosign, and
    /// `NoteError.invalidSignature` for a line of a trusted key that does not verify; lines of
    /// keys it was not given are ignored.
    public func verify(_ signedNote: String) throws -> CosignedCheckpoint {
        let note = try SignedNote(parsing: signedNote)
        let checkpoint = try Checkpoint(parsing: log.open(note))
        return CosignedCheckpoint(checkpoint: checkpoint, cosignatures: try witnesses.map { try $0.cosignature(in: note) })
    }
}
