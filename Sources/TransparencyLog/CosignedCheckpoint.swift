/// A checkpoint whose log signature and witness cosignatures have been verified.
public struct CosignedCheckpoint: Sendable, Hashable {
    public let checkpoint: Checkpoint
    /// One per witness the verifier was given, in that order.
    public let cosignatures: [Cosignature]
}
