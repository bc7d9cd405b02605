import Synchronization
import TransparencyLog

/// The upper levels of the stored tree, kept in memory. A perfect subtree's hash
/// never changes once its node is written (both stores refuse a rewrite), so a node read once serves
/// every later root and proof. With them kept, a proof reads the store only for its nodes below
/// `lowestLevel`, as many at a million entries as at ten thousand, so its time stays flat as the
/// log grows instead of following the store's index depth and page cache.
public final class UpperTreeLevels: Sendable {
    /// Nodes at this level and above are kept: each covers at least 2^8 = 256 entries (a tile's width).
    public let lowestLevel: Int
    /// At most this many nodes (about 100 bytes each): 2^16 covers a log of 16 million entries; in a
    /// larger one the highest levels, which every proof needs, are read first and stay.
    public let capacity: Int
    private let kept = Mutex<[SubtreeCoordinate: Hash]>([:])

    public init(lowestLevel: Int = 8, capacity: Int = 1 << 16) {
        self.lowestLevel = lowestLevel
        self.capacity = capacity
    }

    /// `LogStore.subtreeHashes` with the kept nodes answered from memory and the rest read in one
    /// round trip; upper-level nodes read are kept.
    public func subtreeHashes(_ nodes: [SubtreeCoordinate], from store: any LogStore) async throws -> [SubtreeCoordinate: Hash] {
        let (known, missing) = kept.withLock { kept in
            var known: [SubtreeCoordinate: Hash] = [:]
            var missing: [SubtreeCoordinate] = []
            for node in nodes {
                if let hash = kept[node] { known[node] = hash } else { missing.append(node) }
            }
            return (known, missing)
        }
        guard !missing.isEmpty else { return known }
        let read = try await store.subtreeHashes(missing)
        let upper = read.filter { $0.key.level >= lowestLevel }
        if !upper.isEmpty {
            kept.withLock { kept in
                for (node, hash) in upper where kept.count < capacity { kept[node] = hash }
            }
        }
        return known.merging(read) { mine, _ in mine }
    }

    /// How many nodes are kept.
    public var count: Int { kept.withLock { $0.count } }

    /// Inclusion and consistency proofs and roots from `store`'s tree, each in at most one round trip.
    public func inclusionProof(index: UInt64, treeSize: UInt64, store: any LogStore) async throws -> [Hash] {
        try await PrefetchedSubtrees.compute(
            { try MerkleTree.inclusionProof(index: index, size: treeSize, source: $0) }, fetch: { try await self.subtreeHashes($0, from: store) }
        )
    }

    public func consistencyProof(from: UInt64, to: UInt64, store: any LogStore) async throws -> [Hash] {
        try await PrefetchedSubtrees.compute(
            { try MerkleTree.consistencyProof(from: from, to: to, source: $0) }, fetch: { try await self.subtreeHashes($0, from: store) }
        )
    }

    public func root(size: UInt64, store: any LogStore) async throws -> Hash {
        try await PrefetchedSubtrees.compute({ try MerkleTree.root(size: size, source: $0) }, fetch: { try await self.subtreeHashes($0, from: store) })
    }
}
