/// RFC 9162 §2.1 Merkle tree hashes and proofs, computed from stored perfect-subtree hashes.
///
/// Every subtree the RFC's recursive definitions visit spans [i·2^L, min((i+1)·2^L, size)) for
/// some node (L, i), so its hash is a right fold over at most L + 1 perfect subtrees: one per set
/// bit of its width. That bounds a root at O(log n) source reads and a proof at O(log² n).
public enum MerkleTree {
    /// The perfect-subtree hashes that become complete when the leaf at `index` is appended:
    /// the leaf itself at level 0, then each ancestor whose subtree the leaf completes.
    ///
    /// Reads one left sibling per completed ancestor (the trailing one bits of `index`).
    public static func nodesToStore(
        appendingLeafAt index: UInt64,
        leafHash: Hash,
        source: some SubtreeHashSource
    ) throws -> [(level: Int, index: UInt64, hash: Hash)] {
        var nodes = [(level: 0, index: index, hash: leafHash)]
        var level = 0
        var position = index
        var hash = leafHash
        while position & 1 == 1 {
            hash = MerkleHasher.nodeHash(try source.perfectSubtreeHash(level: level, index: position - 1), hash)
            level += 1
            position >>= 1
            nodes.append((level: level, index: position, hash: hash))
        }
        return nodes
    }

    /// MTH(D[0:size]), RFC 9162 §2.1.1; the empty-tree hash for size 0.
    public static func root(size: UInt64, source: some SubtreeHashSource) throws -> Hash {
        guard size > 0 else { return MerkleHasher.emptyRoot }
        return try subtreeHash(from: 0, to: size, source: source)
    }

    /// PATH(index, D[0:size]), RFC 9162 §2.1.3.1, ordered from the leaf's sibling up to the root's child.
    public static func inclusionProof(index: UInt64, size: UInt64, source: some SubtreeHashSource) throws -> [Hash] {
        guard index < size else { throw MerkleTreeError.indexBeyondSize(index: index, size: size) }
        var proof: [Hash] = []
        try appendPath(to: &proof, index: index, from: 0, to: size, source: source)
        return proof
    }

    /// PROOF(from, D[0:to]), RFC 9162 §2.1.4.1. Empty when `from` is 0 or equals `to`, where
    /// consistency holds trivially.
    public static func consistencyProof(from: UInt64, to: UInt64, source: some SubtreeHashSource) throws -> [Hash] {
        guard from <= to else { throw MerkleTreeError.fromBeyondTo(from: from, to: to) }
        guard from > 0, from < to else { return [] }
        var proof: [Hash] = []
        try appendSubproof(to: &proof, oldSize: from, from: 0, to: to, isWholeOldTree: true, source: source)
        return proof
    }

    /// PATH(m, D[start:end]) with m absolute; siblings are appended after the deeper path, as
    /// the RFC's `PATH(...) : MTH(...)` concatenation orders them.
    private static func appendPath(
        to proof: inout [Hash],
        index: UInt64,
        from start: UInt64,
        to end: UInt64,
        source: some SubtreeHashSource
    ) throws {
        guard end - start > 1 else { return }
        let split = start + largestPowerOfTwo(below: end - start)
        if index < split {
            try appendPath(to: &proof, index: index, from: start, to: split, source: source)
            proof.append(try subtreeHash(from: split, to: end, source: source))
        } else {
            try appendPath(to: &proof, index: index, from: split, to: end, source: source)
            proof.append(try subtreeHash(from: start, to: split, source: source))
        }
    }

    /// SUBPROOF(m, D[start:end], b) with m = oldSize - start, the old tree's leaves in this range.
    private static func appendSubproof(
        to proof: inout [Hash],
        oldSize: UInt64,
        from start: UInt64,
        to end: UInt64,
        isWholeOldTree: Bool,
        source: some SubtreeHashSource
    ) throws {
        if oldSize == end {
            if !isWholeOldTree {
                proof.append(try subtreeHash(from: start, to: end, source: source))
            }
            return
        }
        let split = start + largestPowerOfTwo(below: end - start)
        if oldSize <= split {
            try appendSubproof(to: &proof, oldSize: oldSize, from: start, to: split, isWholeOldTree: isWholeOldTree, source: source)
            proof.append(try subtreeHash(from: split, to: end, source: source))
        } else {
            try appendSubproof(to: &proof, oldSize: oldSize, from: split, to: end, isWholeOldTree: false, source: source)
            proof.append(try subtreeHash(from: start, to: split, source: source))
        }
    }

    /// MTH(D[start:end]) for a range that starts on a multiple of the smallest power of two
    /// at least as wide as it, which every range the RFC recursion produces does: it is then
    /// the right fold of the perfect subtrees for the set bits of its width, widest first.
    private static func subtreeHash(from start: UInt64, to end: UInt64, source: some SubtreeHashSource) throws -> Hash {
        var perfectSubtrees: [Hash] = []
        var offset = start
        var remaining = end - start
        while remaining > 0 {
            let level = UInt64.bitWidth - 1 - remaining.leadingZeroBitCount
            perfectSubtrees.append(try source.perfectSubtreeHash(level: level, index: offset >> level))
            offset += 1 << level
            remaining -= 1 << level
        }
        var hash = perfectSubtrees.removeLast()
        for left in perfectSubtrees.reversed() {
            hash = MerkleHasher.nodeHash(left, hash)
        }
        return hash
    }

    /// The k of RFC 9162 §2.1.1: the largest power of two smaller than `n`, for n > 1.
    private static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        1 << (UInt64.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}
