/// Computes the root of a log streamed leaf by leaf, keeping only O(log n) hashes.
///
/// For verifiers that rehash every entry of a log (millions of them) to check a checkpoint.
/// It keeps the perfect subtrees along the right edge of the tree: one per set bit of `size`,
/// widest first, exactly the subtrees whose right fold is the root.
public struct MerkleTreeBuilder: Sendable {
    /// The perfect subtrees whose right fold is the root, widest first: what `init(size:rightEdge:)` resumes from.
    public private(set) var rightEdge: [Hash] = []

    public private(set) var size: UInt64 = 0

    public init() {}

    /// Resumes a tree of `size` leaves from its right edge (the hashes at `rightEdgeNodes(size:)`, in
    /// that order), so a stored log appends without reading anything else.
    public init(size: UInt64, rightEdge: [Hash]) throws {
        guard rightEdge.count == size.nonzeroBitCount else {
            throw MerkleTreeError.rightEdgeMismatch(size: size, hashes: rightEdge.count)
        }
        self.size = size
        self.rightEdge = rightEdge
    }

    /// Where the right edge of a tree of `size` leaves sits: one perfect subtree per set bit of
    /// `size`, widest (leftmost) first.
    public static func rightEdgeNodes(size: UInt64) -> [(level: Int, index: UInt64)] {
        (0..<UInt64.bitWidth).reversed().compactMap { (level: Int) -> (level: Int, index: UInt64)? in
            let subtrees: UInt64 = size >> level
            return subtrees & 1 == 1 ? (level: level, index: subtrees - 1) : nil
        }
    }

    /// Appends a leaf; returns the perfect subtrees it completes, the leaf itself first, which a
    /// store keeps so that roots and proofs cost O(log n) reads.
    @discardableResult
    public mutating func append(leafHash: Hash) -> [(level: Int, index: UInt64, hash: Hash)] {
        var completed = [(level: 0, index: size, hash: leafHash)]
        fold(leafHash, height: 0) { completed.append($0) }
        return completed
    }

    /// Appends the `2^height` leaves whose perfect subtree hashes to `subtreeHash`, all at once and
    /// without recording anything: how a verifier adds a whole tile it hashed elsewhere.
    ///
    /// The tree must end on a multiple of `2^height` leaves, as it does after whole tiles.
    public mutating func append(subtreeHash: Hash, height: Int) {
        precondition(height < UInt64.bitWidth && size & ((1 << height) - 1) == 0, "a perfect subtree of 2^\(height) leaves cannot follow \(size) leaves")
        fold(subtreeHash, height: height) { _ in }
    }

    /// Puts a perfect subtree of `2^height` leaves on the right edge, merging it with every
    /// subtree of its own height already there; each merge is a subtree it completes.
    private mutating func fold(_ subtreeHash: Hash, height: Int, completing: ((level: Int, index: UInt64, hash: Hash)) -> Void) {
        var hash = subtreeHash
        var position = size >> height
        var level = height
        while position & 1 == 1 {
            hash = MerkleHasher.nodeHash(rightEdge.removeLast(), hash)
            position >>= 1
            level += 1
            completing((level: level, index: position, hash: hash))
        }
        rightEdge.append(hash)
        size += 1 << height
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
