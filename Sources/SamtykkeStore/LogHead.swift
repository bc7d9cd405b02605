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

extension SubtreeCoordinate {
    /// The perfect subtrees a tree of `size` leaves is extended from, left to right.
    public static func rightEdge(size: UInt64) -> [SubtreeCoordinate] {
        MerkleTreeBuilder.rightEdgeNodes(size: size).map { SubtreeCoordinate(level: $0.level, index: $0.index) }
    }
}

extension Dictionary where Key == SubtreeCoordinate, Value == Hash {
    /// The stored hashes of `nodes`, in their order. The log never loses a node it wrote, so one
    /// that is not there is `corrupt`, for a proof as for the right edge a commit extends.
    public func stored(_ nodes: [SubtreeCoordinate]) throws(StoreFailure) -> [Hash] {
        try nodes.map { node throws(StoreFailure) in
            guard let hash = self[node] else { throw .missingNode(level: node.level, index: node.index) }
            return hash
        }
    }
}
