/// Stateless verification of RFC 9162 inclusion and consistency proofs.
///
/// The proof length is checked against the one the sizes imply before any hashing, which is
/// what the RFC's "sn is 0" checks amount to, and gives a clearer error than a root mismatch.
public enum MerkleVerifier {
    /// The root that `proof` leads to from `leafHash`, RFC 9162 §2.1.3.2 steps 1–4.
    public static func rootFromInclusionProof(index: UInt64, size: UInt64, leafHash: Hash, proof: [Hash]) throws -> Hash {
        guard index < size else { throw MerkleTreeError.indexBeyondSize(index: index, size: size) }
        let (inner, border) = decomposeInclusionProof(index: index, size: size)
        guard proof.count == inner + border else {
            throw MerkleVerificationError.wrongProofSize(got: proof.count, expected: inner + border)
        }
        var fn = index
        var sn = size - 1
        var hash = leafHash
        for sibling in proof {
            if fn & 1 == 1 || fn == sn {
                hash = MerkleHasher.nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = MerkleHasher.nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return hash
    }

    /// RFC 9162 §2.1.3.2.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: Hash, proof: [Hash], root: Hash) throws {
        let computed = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof)
        guard computed == root else {
            throw MerkleVerificationError.rootMismatch(size: size, computed: computed, expected: root)
        }
    }

    /// RFC 9162 §2.1.4.2, extended to the trivial cases the RFC leaves out: from 0 (the old root
    /// must be the empty-tree hash) and from equal to `to` (the roots must be equal); both take
    /// an empty proof.
    public static func verifyConsistency(from: UInt64, to: UInt64, proof: [Hash], fromRoot: Hash, toRoot: Hash) throws {
        guard from <= to else { throw MerkleTreeError.fromBeyondTo(from: from, to: to) }
        if from == 0 || from == to {
            guard proof.isEmpty else { throw MerkleVerificationError.wrongProofSize(got: proof.count, expected: 0) }
            let expectedFromRoot = from == 0 ? MerkleHasher.emptyRoot : toRoot
            guard fromRoot == expectedFromRoot else {
                throw MerkleVerificationError.rootMismatch(size: from, computed: fromRoot, expected: expectedFromRoot)
            }
            return
        }

        // The old tree's largest perfect subtree on its right edge is a node of both trees; the
        // proof starts from it, and omits it when it is the whole old tree (from is a power of two).
        let shift = from.trailingZeroBitCount
        let (inner, border) = decomposeInclusionProof(index: from - 1, size: to)
        let fromIsPowerOfTwo = from == 1 << shift
        let expected = (fromIsPowerOfTwo ? 0 : 1) + inner - shift + border
        guard proof.count == expected else {
            throw MerkleVerificationError.wrongProofSize(got: proof.count, expected: expected)
        }

        let path = fromIsPowerOfTwo ? [fromRoot] + proof : proof
        var fn = from - 1
        var sn = to - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for node in path.dropFirst() {
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHasher.nodeHash(node, fr)
                sr = MerkleHasher.nodeHash(node, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = MerkleHasher.nodeHash(sr, node)
            }
            fn >>= 1
            sn >>= 1
        }
        guard fr == fromRoot else {
            throw MerkleVerificationError.rootMismatch(size: from, computed: fr, expected: fromRoot)
        }
        guard sr == toRoot else {
            throw MerkleVerificationError.rootMismatch(size: to, computed: sr, expected: toRoot)
        }
    }

    /// An inclusion path splits into `inner` hashes below the point where the leaf's path leaves
    /// the tree's right edge, and `border` hashes of left siblings along that edge above it.
    private static func decomposeInclusionProof(index: UInt64, size: UInt64) -> (inner: Int, border: Int) {
        let inner = UInt64.bitWidth - (index ^ (size - 1)).leadingZeroBitCount
        let border = (index >> inner).nonzeroBitCount
        return (inner, border)
    }
}
