import Foundation
import SamtykkeCore
import SamtykkeStore
import Synchronization
import Testing
import TransparencyLog

/// The upper levels of the tree kept in memory (issue 27 point 7) answer exactly what the store
/// answers, and once read are not read again.
extension StoreContractTests {
    /// A `LogStore` that notes every node it is asked for.
    final class NodeCountingStore: LogStore {
        let store: any Store
        let asked = Mutex<[SubtreeCoordinate]>([])

        init(_ store: any Store) { self.store = store }

        func logEntries(_ query: LogQuery) async throws -> [StoredEntry] { try await store.logEntries(query) }
        func entryBundle(start: UInt64, count: Int) async throws -> EntryBundleWriter { try await store.entryBundle(start: start, count: count) }
        func logHead() async throws -> LogHead { try await store.logHead() }
        func subtreeHashes(_ nodes: [SubtreeCoordinate]) async throws -> [SubtreeCoordinate: Hash] {
            asked.withLock { $0 += nodes }
            return try await store.subtreeHashes(nodes)
        }
        func subtreeHashes(level: Int, first: UInt64, count: Int) async throws -> [Hash] {
            try await store.subtreeHashes(level: level, first: first, count: count)
        }
    }

    @Test(arguments: Backend.available)
    func theUpperTreeLevelsInMemoryAnswerAsTheStoreDoes(_ backend: Backend) async throws {
        try await withBank(on: backend) { store, log in
            // 45 entries: nodes up to level 5, and a right edge of four perfect subtrees.
            for _ in 0..<45 { _ = try await log.commit(Change(.create(try request())), at: now).outcome.acceptedConsent() }
            let size: UInt64 = 45
            let counting = NodeCountingStore(store)
            let upper = UpperTreeLevels(lowestLevel: 2)
            func direct<T>(_ body: (any SubtreeHashSource) throws -> T) async throws -> T {
                try await PrefetchedSubtrees.compute(body, fetch: store.subtreeHashes)
            }
            // Twice: the first pass reads the upper levels from the store, the second answers them from memory.
            for _ in 0..<2 {
                for treeSize in 1...size {
                    #expect(try await upper.root(size: treeSize, store: counting) == (try await direct { try MerkleTree.root(size: treeSize, source: $0) }))
                    #expect(try await upper.consistencyProof(from: treeSize, to: size, store: counting)
                        == (try await direct { try MerkleTree.consistencyProof(from: treeSize, to: size, source: $0) }))
                }
                for index in 0..<size {
                    #expect(try await upper.inclusionProof(index: index, treeSize: size, store: counting)
                        == (try await direct { try MerkleTree.inclusionProof(index: index, size: size, source: $0) }))
                }
                counting.asked.withLock { $0.removeAll() }
            }
            let checkpoint = try Checkpoint.open(try #require(try await store.logHead().checkpoint).note, verifier: try NoteVerifier(verifierKey: signer.verifierKey))
            #expect(try await upper.root(size: size, store: counting) == checkpoint.rootHash)
            // Levels 2 to 5 of a 45-entry tree: 11 + 5 + 2 + 1 perfect subtrees, all kept, and not asked for again.
            #expect(upper.count == 19)
            #expect(counting.asked.withLock { $0 }.allSatisfy { $0.level < 2 })
            // A node the tree does not have yet is still the store's error, and is not kept.
            await #expect { try await upper.subtreeHashes([SubtreeCoordinate(level: 3, index: 5)], from: counting) } throws: { isCorrupt($0) }
            #expect(upper.count == 19)
        }
    }
}
