import SamtykkeCore
import SamtykkeStore
import TransparencyLog

/// Roots, proofs and receipts from the stored tree, each in one round trip for its nodes.
package struct LogReceipts: Sendable {
    let store: any LogStore & OpeningStore

    package init(store: any LogStore & OpeningStore) {
        self.store = store
    }

    func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] {
        try await PrefetchedSubtrees.compute(
            { try MerkleTree.inclusionProof(index: index, size: treeSize, source: $0) }, fetch: store.subtreeHashes
        )
    }

    package func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] {
        try await PrefetchedSubtrees.compute(
            { try MerkleTree.consistencyProof(from: from, to: to, source: $0) }, fetch: store.subtreeHashes
        )
    }

    /// Entry `index` proven against the newest checkpoint.
    func receipt(for index: UInt64) async throws -> AuditReceipt {
        let head = try await store.logHead()
        guard let checkpoint = head.checkpoint, index < checkpoint.size,
            let entry = try await store.logEntries(LogQuery(start: index, limit: 1)).first, entry.index == index
        else { throw StoreFailure.corrupt("entry \(index) is not in the signed log") }
        return AuditReceipt(
            index: index, entry: entry.leaf, treeSize: checkpoint.size,
            inclusionProof: try await inclusionProof(index: index, treeSize: checkpoint.size), checkpoint: checkpoint.note,
            opening: try await store.openings(at: [index], about: nil).first
        )
    }
}
