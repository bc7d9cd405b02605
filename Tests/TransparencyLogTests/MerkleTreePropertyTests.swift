import SeededRandom
import Testing
import TransparencyLog
import TestSupport

/// Proofs from `MerkleTree` over an `InMemorySubtreeStore`, checked against the literal RFC
/// recursion and against `MerkleVerifier`, on seeded random trees.
///
/// The hot loops check with `expectEqual` and `expectRejected` rather than `#expect`, which
/// renders both operands of every comparison (tens of microseconds each in a debug build),
/// to keep tens of thousands of checks within the test time budget.
@Suite("Merkle tree properties", .sameOnEveryBackend)
struct MerkleTreePropertyTests {
    static let maximumSize = 3000

    let leaves: [Hash]
    let store: InMemorySubtreeStore
    /// `roots[n]` is the root of the first n leaves.
    let roots: [Hash]

    init() throws {
        var random = SeededGenerator(seed: 9162)
        var leaves: [Hash] = []
        var store = InMemorySubtreeStore()
        for _ in 0..<Self.maximumSize {
            let entry = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            leaves.append(MerkleHasher.leafHash(entry))
            store.append(leafHash: leaves[leaves.count - 1])
        }
        self.leaves = leaves
        self.store = store
        roots = try (0...Self.maximumSize).map { try MerkleTree.root(size: UInt64($0), source: store) }
    }

    @Test func everyProofOfSmallTreesMatchesTheRFCRecursionAndVerifies() throws {
        var random = SeededGenerator(seed: 1)
        for size in 1...48 {
            let prefix = leaves[..<size]
            let root = roots[size]
            #expect(root == NaiveMerkleTree.root(prefix))
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(index: UInt64(index), size: UInt64(size), source: store)
                expectEqual(proof, NaiveMerkleTree.path(index, prefix))
                try MerkleVerifier.verifyInclusion(
                    index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: proof, root: root
                )
                try expectInclusionMutationsFail(index: index, size: size, proof: proof, using: &random)
            }
            for from in 0...size {
                let proof = try MerkleTree.consistencyProof(from: UInt64(from), to: UInt64(size), source: store)
                expectEqual(proof, from == 0 ? [] : NaiveMerkleTree.proof(from, prefix))
                try MerkleVerifier.verifyConsistency(
                    from: UInt64(from), to: UInt64(size), proof: proof, fromRoot: roots[from], toRoot: root
                )
                try expectConsistencyMutationsFail(from: from, to: size, proof: proof, using: &random)
            }
        }
    }

    @Test func randomLargeTrees() throws {
        var random = SeededGenerator(seed: 2)
        for _ in 0..<6 {
            let size = Int.random(in: 49...Self.maximumSize, using: &random)
            let root = roots[size]
            #expect(root == NaiveMerkleTree.root(leaves[..<size]))
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(index: UInt64(index), size: UInt64(size), source: store)
                try MerkleVerifier.verifyInclusion(
                    index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: proof, root: root
                )
            }
            for _ in 0..<20 {
                let index = Int.random(in: 0..<size, using: &random)
                let proof = try MerkleTree.inclusionProof(index: UInt64(index), size: UInt64(size), source: store)
                try expectInclusionMutationsFail(index: index, size: size, proof: proof, using: &random)

                let from = Int.random(in: 1..<size, using: &random)
                let consistency = try MerkleTree.consistencyProof(from: UInt64(from), to: UInt64(size), source: store)
                try MerkleVerifier.verifyConsistency(
                    from: UInt64(from), to: UInt64(size), proof: consistency, fromRoot: roots[from], toRoot: root
                )
                try expectConsistencyMutationsFail(from: from, to: size, proof: consistency, using: &random)
            }
            let from = Int.random(in: 1..<size, using: &random)
            #expect(try MerkleTree.consistencyProof(from: UInt64(from), to: UInt64(size), source: store)
                == NaiveMerkleTree.proof(from, leaves[..<size]))
        }
    }

    @Test func builderMatchesStoredRootForEveryPrefix() throws {
        var builder = MerkleTreeBuilder()
        for (index, leaf) in leaves.enumerated() {
            builder.append(leafHash: leaf)
            expectEqual(builder.size, UInt64(index + 1))
            expectEqual(builder.root(), roots[index + 1])
        }
        #expect(builder.root() == NaiveMerkleTree.root(leaves[...]))
    }

    /// Whole tiles appended as their subtree roots, then single leaves, give the root of the leaves.
    @Test(arguments: [0, 1, 2, 3, 8]) func subtreesAppendedWholeMatchTheirLeaves(height: Int) throws {
        let width = 1 << height
        var builder = MerkleTreeBuilder()
        for start in stride(from: 0, to: leaves.count - width + 1, by: width) {
            var subtree = MerkleTreeBuilder()
            for leaf in leaves[start..<start + width] { subtree.append(subtreeHash: leaf, height: 0) }
            builder.append(subtreeHash: subtree.root(), height: height)
            expectEqual(builder.root(), roots[start + width])
        }
        for index in Int(builder.size)..<leaves.count {
            builder.append(subtreeHash: leaves[index], height: 0)
            expectEqual(builder.root(), roots[index + 1])
        }
        #expect(builder.size == UInt64(leaves.count))
    }

    @Test func appendAndRootReadLogarithmicallyManyNodes() throws {
        var store = InMemorySubtreeStore()
        for (index, leaf) in leaves.enumerated() {
            let size = UInt64(index + 1)
            let appending = CountingSource(store)
            let nodes = try MerkleTree.nodesToStore(appendingLeafAt: UInt64(index), leafHash: leaf, source: appending)
            store.append(leafHash: leaf)
            // One read per completed ancestor: the trailing one bits of the index.
            expectEqual(appending.reads, (~index).trailingZeroBitCount)
            expectEqual(nodes.count, appending.reads + 1)
            for node in nodes {
                expectEqual(try store.perfectSubtreeHash(level: node.level, index: node.index), node.hash)
            }

            let rooting = CountingSource(store)
            _ = try MerkleTree.root(size: size, source: rooting)
            // One read per perfect subtree on the right edge: the set bits of the size.
            expectEqual(rooting.reads, size.nonzeroBitCount)
            #expect(rooting.reads <= UInt64.bitWidth - size.leadingZeroBitCount)
        }
    }

    @Test func proofsReadAtMostLogSquaredNodes() throws {
        var random = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let size = UInt64.random(in: 2...UInt64(Self.maximumSize), using: &random)
            let depth = UInt64.bitWidth - (size - 1).leadingZeroBitCount
            let source = CountingSource(store)
            _ = try MerkleTree.inclusionProof(index: .random(in: 0..<size, using: &random), size: size, source: source)
            #expect(source.reads <= depth * depth)
            let consistency = CountingSource(store)
            _ = try MerkleTree.consistencyProof(from: .random(in: 1..<size, using: &random), to: size, source: consistency)
            #expect(consistency.reads <= depth * depth)
        }
    }

    /// A flipped byte in any proof hash, another index, or another size with that size's
    /// genuine root: none may verify. (With the *original* root, a proof can verify for a
    /// different size whose tree has the same shape along its path; the root, not the claimed
    /// size, is what a proof commits to, which is why checkpoints sign both together.)
    private func expectInclusionMutationsFail(
        index: Int, size: Int, proof: [Hash], using random: inout SeededGenerator
    ) throws {
        let root = roots[size]
        for position in proof.indices {
            var corrupted = proof
            corrupted[position] = flipRandomByte(of: proof[position], using: &random)
            expectRejected(onlyAsRootMismatch: true) {
                try MerkleVerifier.verifyInclusion(
                    index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: corrupted, root: root
                )
            }
        }
        for otherIndex in [index - 1, index + 1, index ^ 2] where otherIndex >= 0 && otherIndex < size {
            expectRejected {
                try MerkleVerifier.verifyInclusion(
                    index: UInt64(otherIndex), size: UInt64(size), leafHash: leaves[index], proof: proof, root: root
                )
            }
        }
        for otherSize in [size - 1, size + 1, size * 2, size / 2] where otherSize > index && otherSize <= Self.maximumSize {
            expectRejected {
                try MerkleVerifier.verifyInclusion(
                    index: UInt64(index), size: UInt64(otherSize), leafHash: leaves[index], proof: proof,
                    root: roots[otherSize]
                )
            }
        }
    }

    private func expectConsistencyMutationsFail(
        from: Int, to: Int, proof: [Hash], using random: inout SeededGenerator
    ) throws {
        let fromRoot = roots[from]
        let toRoot = roots[to]
        for position in proof.indices {
            var corrupted = proof
            corrupted[position] = flipRandomByte(of: proof[position], using: &random)
            expectRejected(onlyAsRootMismatch: true) {
                try MerkleVerifier.verifyConsistency(
                    from: UInt64(from), to: UInt64(to), proof: corrupted, fromRoot: fromRoot, toRoot: toRoot
                )
            }
        }
        guard from > 0, from < to else { return }
        for (otherFrom, otherTo) in [(from - 1, to), (from + 1, to), (from, to - 1), (from, to + 1)]
        where otherFrom <= otherTo && (otherFrom, otherTo) != (from, to) && otherTo <= Self.maximumSize {
            expectRejected {
                try MerkleVerifier.verifyConsistency(
                    from: UInt64(otherFrom), to: UInt64(otherTo), proof: proof,
                    fromRoot: roots[otherFrom], toRoot: roots[otherTo]
                )
            }
        }
        expectRejected {
            try MerkleVerifier.verifyConsistency(
                from: UInt64(from), to: UInt64(to), proof: proof, fromRoot: toRoot, toRoot: fromRoot
            )
        }
    }

    private func flipRandomByte(of hash: Hash, using random: inout SeededGenerator) -> Hash {
        var bytes = hash.bytes
        bytes[Int.random(in: 0..<Hash.byteCount, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
        return Hash(bytes: bytes)!
    }

    private func expectEqual<T: Equatable>(_ actual: T, _ expected: T, sourceLocation: SourceLocation = #_sourceLocation) {
        if actual != expected {
            Issue.record("\(actual) is not \(expected)", sourceLocation: sourceLocation)
        }
    }

    /// `onlyAsRootMismatch`: the proof has the right number of hashes, so the one honest refusal is
    /// that it leads to another root.
    private func expectRejected(onlyAsRootMismatch: Bool = false, sourceLocation: SourceLocation = #_sourceLocation, _ verify: () throws -> Void) {
        do {
            try verify()
            Issue.record("a corrupted proof verified", sourceLocation: sourceLocation)
        } catch let error as MerkleVerificationError {
            if onlyAsRootMismatch, case .wrongProofSize = error { Issue.record("refused as \(error), not as a root mismatch", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
