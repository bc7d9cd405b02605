/// Where the hashes of complete ("perfect") subtrees of a log come from.
///
/// The subtree at `level` L and `index` i covers leaves [i·2^L, (i+1)·2^L); level 0 holds the
/// leaf hashes. Every other hash of the tree is derived from these, so a store that keeps them
/// (one row per node, about 2n rows for n leaves) answers any root or proof with O(log n) reads.
public protocol SubtreeHashSource {
    func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash
}
