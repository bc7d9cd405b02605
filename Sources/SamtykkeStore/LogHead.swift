import TransparencyLog

/// The log as it stands: how many entries, and the newest checkpoint signed over them (nil only
/// before the first entry).
public struct LogHead: Sendable, Hashable {
    public let size: UInt64
    public let checkpoint: SignedCheckpoint?

    public init(size: UInt64, checkpoint: SignedCheckpoint?) {
        self.size = size
        self.checkpoint = checkpoint
    }
}

/// A checkpoint note and what it says.
public struct SignedCheckpoint: Sendable, Hashable {
    public let size: UInt64
    public let rootHash: Hash
    public let note: String

    public init(size: UInt64, rootHash: Hash, note: String) {
        self.size = size
        self.rootHash = rootHash
        self.note = note
    }
}

/// The perfect subtree at `level` covering leaves [index·2^level, (index+1)·2^level).
public struct SubtreeCoordinate: Sendable, Hashable {
    public let level: Int
    public let index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }
}
