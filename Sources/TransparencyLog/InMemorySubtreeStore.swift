/// A log's perfect-subtree hashes held in memory, for tests and for tools that rebuild a tree.
public struct InMemorySubtreeStore: SubtreeHashSource, Sendable {
    /// `levels[L][i]` is the perfect subtree (L, i); leaves arrive in order, so each level
    /// only ever grows at its end and an array per level is a complete index.
    private var levels: [[Hash]] = []

    public private(set) var size: UInt64 = 0

    public init() {}

    public mutating func append(leafHash: Hash) {
        // nodesToStore reads only left siblings of the new leaf's ancestors, complete subtrees
        // that earlier appends stored, so reading them from self cannot fail.
        let nodes = try! MerkleTree.nodesToStore(appendingLeafAt: size, leafHash: leafHash, source: self)
        for node in nodes {
            if node.level == levels.count { levels.append([]) }
            levels[node.level].append(node.hash)
        }
        size += 1
    }

    public func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
        guard level >= 0, level < levels.count, index < levels[level].count else {
            throw MerkleTreeError.missingSubtree(level: level, index: index)
        }
        return levels[level][Int(index)]
    }
}
