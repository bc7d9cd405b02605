import TransparencyLog

/// Signs tree heads. The log's private key lives here, above storage: a store asks for a signature
/// over the head it is about to commit and never holds the key.
public protocol CheckpointSigning: Sendable {
    func sign(size: UInt64, rootHash: Hash) throws -> SignedCheckpoint
}

/// C2SP checkpoints signed as C2SP signed notes with the log's Ed25519 key.
public struct LogSigner: CheckpointSigning {
    public let origin: String
    public let signer: NoteSigner

    public init(origin: String, signer: NoteSigner) {
        self.origin = origin
        self.signer = signer
    }

    public var verifierKey: String { signer.verifierKey }

    public func sign(size: UInt64, rootHash: Hash) throws -> SignedCheckpoint {
        let note = try signer.sign(Checkpoint(origin: origin, size: size, rootHash: rootHash).body)
        return SignedCheckpoint(size: size, rootHash: rootHash, note: note)
    }
}
