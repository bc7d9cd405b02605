import Testing
import TransparencyLog
import TestSupport

/// The published answers for the classic eight-leaf tree (RFC 6962 implementations,
/// transparency-dev/merkle), as data files under Vectors/.
@Suite("Known answers", .sameOnEveryBackend)
struct KnownAnswerTests {
    @Test func emptyRootAndLeafHashes() throws {
        let tree = try TestTree.load()
        #expect(MerkleHasher.emptyRoot == Hash(hex: tree.emptyRoot))
        #expect(MerkleHasher.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // A one-leaf tree's root is its leaf hash.
        #expect(tree.leafHashes[0] == tree.root(size: 1))
    }

    @Test func rootsForEverySize() throws {
        let tree = try TestTree.load()
        let store = tree.store
        var builder = MerkleTreeBuilder()
        #expect(try MerkleTree.root(size: 0, source: store) == MerkleHasher.emptyRoot)
        #expect(builder.root() == MerkleHasher.emptyRoot)
        for (offset, leafHash) in tree.leafHashes.enumerated() {
            let size = offset + 1
            builder.append(leafHash: leafHash)
            #expect(try MerkleTree.root(size: UInt64(size), source: store) == tree.root(size: size))
            #expect(builder.root() == tree.root(size: size))
        }
        #expect(tree.root(size: 8).hex == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
    }

    @Test("inclusion vector", arguments: try InclusionVector.all())
    func inclusion(vector: InclusionVector) throws {
        let leafHash = try #require(Hash(base64: vector.leafHash))
        let root = try #require(Hash(base64: vector.root))
        let proof = try vector.proof.map { try #require(Hash(base64: $0)) }
        try Self.check(vector.desc, wantErr: vector.wantErr, proof: proof) {
            try MerkleVerifier.verifyInclusion(
                index: vector.leafIndex, size: vector.treeSize, leafHash: leafHash, proof: proof, root: root
            )
        } generate: {
            try MerkleTree.inclusionProof(index: vector.leafIndex, size: vector.treeSize, source: TestTree.load().store)
        }
    }

    @Test("consistency vector", arguments: try ConsistencyVector.all())
    func consistency(vector: ConsistencyVector) throws {
        let root1 = try #require(Hash(base64: vector.root1))
        let root2 = try #require(Hash(base64: vector.root2))
        let proof = try vector.proof.map { try #require(Hash(base64: $0)) }
        try Self.check(vector.desc, wantErr: vector.wantErr, proof: proof) {
            try MerkleVerifier.verifyConsistency(from: vector.size1, to: vector.size2, proof: proof, fromRoot: root1, toRoot: root2)
        } generate: {
            try MerkleTree.consistencyProof(from: vector.size1, to: vector.size2, source: TestTree.load().store)
        }
    }

    /// A vector that must verify does, and its proof is the one this code makes; one that must not
    /// is refused by the check its mutation calls for.
    static func check(
        _ desc: String, wantErr: Bool, proof: [Hash], sourceLocation: SourceLocation = #_sourceLocation,
        verify: () throws -> Void, generate: () throws -> [Hash]
    ) throws {
        guard wantErr else {
            try verify()
            #expect(try generate() == proof, sourceLocation: sourceLocation)
            return
        }
        let mutation = try #require(VectorMutation(desc), "a mutation this test does not know: \(desc)", sourceLocation: sourceLocation)
        let error = #expect(throws: (any Error).self, sourceLocation: sourceLocation, performing: verify)
        #expect(error.map { mutation.isRefusal($0, of: proof) } == true, "\(String(describing: error))", sourceLocation: sourceLocation)
    }

    /// Guards against a bundle that silently lost its files, which would make the
    /// parameterized tests above pass with no cases.
    @Test func vectorsArePresent() throws {
        let inclusion = try InclusionVector.all()
        let consistency = try ConsistencyVector.all()
        #expect(inclusion.filter { !$0.wantErr }.count == 5)
        #expect(consistency.filter { !$0.wantErr }.count == 5)
        #expect(inclusion.count + consistency.count > 100)
    }

    @Test func errorsCarryTheNumbers() throws {
        let store = try TestTree.load().store
        #expect(throws: MerkleTreeError.indexBeyondSize(index: 5, size: 4)) {
            try MerkleTree.inclusionProof(index: 5, size: 4, source: store)
        }
        #expect(MerkleTreeError.indexBeyondSize(index: 5, size: 4).description == "index is beyond size: 5 >= 4")
        #expect(throws: MerkleTreeError.fromBeyondTo(from: 5, to: 4)) {
            try MerkleTree.consistencyProof(from: 5, to: 4, source: store)
        }
        #expect(throws: MerkleTreeError.missingSubtree(level: 0, index: 8)) {
            try MerkleTree.root(size: 9, source: store)
        }
        let leaf = try TestTree.load().leafHashes[0]
        #expect(throws: MerkleTreeError.indexBeyondSize(index: 4, size: 4)) {
            try MerkleVerifier.verifyInclusion(index: 4, size: 4, leafHash: leaf, proof: [], root: leaf)
        }
        #expect(throws: MerkleVerificationError.wrongProofSize(got: 0, expected: 2)) {
            try MerkleVerifier.verifyInclusion(index: 0, size: 4, leafHash: leaf, proof: [], root: leaf)
        }
        #expect(throws: MerkleTreeError.fromBeyondTo(from: 3, to: 2)) {
            try MerkleVerifier.verifyConsistency(from: 3, to: 2, proof: [], fromRoot: leaf, toRoot: leaf)
        }
    }

    @Test func rootMismatchReportsBothRoots() throws {
        let tree = try TestTree.load()
        let error = #expect(throws: MerkleVerificationError.self) {
            try MerkleVerifier.verifyInclusion(
                index: 0, size: 1, leafHash: tree.leafHashes[1], proof: [], root: tree.root(size: 1)
            )
        }
        #expect(error == .rootMismatch(size: 1, computed: tree.leafHashes[1], expected: tree.root(size: 1)))
        #expect(error?.description == "root mismatch for size 1: computed \(tree.leafHashes[1].hex), expected \(tree.root(size: 1).hex)")
    }

    @Test func trivialConsistency() throws {
        let tree = try TestTree.load()
        let root3 = tree.root(size: 3)
        try MerkleVerifier.verifyConsistency(from: 0, to: 3, proof: [], fromRoot: MerkleHasher.emptyRoot, toRoot: root3)
        try MerkleVerifier.verifyConsistency(from: 3, to: 3, proof: [], fromRoot: root3, toRoot: root3)
        #expect(throws: MerkleVerificationError.rootMismatch(size: 0, computed: root3, expected: MerkleHasher.emptyRoot)) {
            try MerkleVerifier.verifyConsistency(from: 0, to: 3, proof: [], fromRoot: root3, toRoot: root3)
        }
        #expect(throws: MerkleVerificationError.wrongProofSize(got: 1, expected: 0)) {
            try MerkleVerifier.verifyConsistency(from: 3, to: 3, proof: [root3], fromRoot: root3, toRoot: root3)
        }
        #expect(try MerkleTree.consistencyProof(from: 0, to: 8, source: tree.store).isEmpty)
        #expect(try MerkleTree.consistencyProof(from: 8, to: 8, source: tree.store).isEmpty)
    }
}
