import SamtykkeCore
import SamtykkeStore
import TransparencyLog

/// Proofs and receipts from the stored tree, each in at most one round trip for its nodes, with the
/// tree's upper levels answered from memory (the broker's one `UpperTreeLevels`).
package struct LogReceipts: Sendable {
    let store: any LogStore & OpeningStore
    let upperLevels: UpperTreeLevels

    package init(store: any LogStore & OpeningStore, upperLevels: UpperTreeLevels) {
        self.store = store
        self.upperLevels = upperLevels
    }

    func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] {
        try await upperLevels.inclusionProof(index: index, treeSize: treeSize, store: store)
    }

    package func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] {
        try await upperLevels.consistencyProof(from: from, to: to, store: store)
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
