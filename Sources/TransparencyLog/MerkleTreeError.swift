/// Why a root or proof could not be computed from a `SubtreeHashSource`, or why sizes and indexes
/// name no proof in any tree, whether asked of `MerkleTree` or handed to `MerkleVerifier`.
public enum MerkleTreeError: Error, Equatable, Sendable, CustomStringConvertible {
    case indexBeyondSize(index: UInt64, size: UInt64)
    case fromBeyondTo(from: UInt64, to: UInt64)
    case missingSubtree(level: Int, index: UInt64)
    case rightEdgeMismatch(size: UInt64, hashes: Int)

    public var description: String {
        switch self {
        case .indexBeyondSize(let index, let size):
            "index is beyond size: \(index) >= \(size)"
        case .fromBeyondTo(let from, let to):
            "consistency proof from a larger tree: \(from) > \(to)"
        case .missingSubtree(let level, let index):
            "no perfect subtree hash at level \(level), index \(index)"
        case .rightEdgeMismatch(let size, let hashes):
            "a tree of \(size) leaves has \(size.nonzeroBitCount) right-edge subtrees, not \(hashes)"
        }
    }
}
