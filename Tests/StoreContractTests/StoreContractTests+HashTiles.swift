import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TransparencyLog

/// Hash tiles are read as runs of one level's nodes.
extension StoreContractTests {
    /// A hash tile's range read holds what the nodes read one by one hold, in order; a range past the
    /// nodes the tree has is the store's `corrupt`, never a shorter tile.
    @Test(arguments: Backend.available)
    func aRangeOfSubtreesIsTheNodesInOrder(_ backend: Backend) async throws {
        try await withBank(on: backend) { store, log in
            for _ in 0..<45 { _ = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent() }
            // Level L holds 45 >> L perfect subtrees.
            for level in 0...5 {
                let stored = 45 >> level
                for (first, count) in [(0, stored), (1, stored - 1), (stored - 1, 1), (0, 0)] {
                    let nodes = (0..<count).map { SubtreeCoordinate(level: level, index: UInt64(first + $0)) }
                    let expected = try await store.subtreeHashes(nodes).stored(nodes)
                    #expect(try await store.subtreeHashes(level: level, first: UInt64(first), count: count) == expected, "level \(level) from \(first)")
                }
                await #expect("one node past the tree's, at level \(level)") {
                    try await store.subtreeHashes(level: level, first: 0, count: stored + 1)
                } throws: { isCorrupt($0) }
            }
            // Indexes no store holds (a 64-bit column is signed): missing, not a crash or a wrap.
            for first in [UInt64(Int64.max), .max] {
                await #expect("from \(first)") { try await store.subtreeHashes(level: 0, first: first, count: 1) } throws: { isCorrupt($0) }
            }
        }
    }
}
