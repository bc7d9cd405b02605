/// Computes the root of a log streamed leaf by leaf, keeping only O(log n) hashes.
///
/// For verifiers that rehash every entry of a log (millions of them) to check a checkpoint.
/// It keeps the perfect subtrees along the right edge of the tree: one per set bit of `size`,
/// widest first, exactly the subtrees whose right fold is the root.
public struct MerkleTreeBuilder: Sendable {
    private var rightEdge: [Hash] = []

    public private(set) var size: UInt64 = 0

    public init() {}

    public mutating func append(leafHash: Hash) {
        var hash = leafHash
        var position = size
        while position & 1 == 1 {
            hash = MerkleHasher.nodeHash(rightEdge.removeLast(), hash)
            position >>= 1
        }
        rightEdge.append(hash)
        size += 1
    }

    /// MTH of the leaves appended so far; the empty-tree hash before the first.
    public func root() -> Hash {
        guard var hash = rightEdge.last else { return MerkleHasher.emptyRoot }
        for left in rightEdge.dropLast().reversed() {
            hash = MerkleHasher.nodeHash(left, hash)
        }
        return hash
    }
}
