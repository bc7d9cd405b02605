import TransparencyLog

/// RFC 9162 §2.1 transcribed literally: MTH, PATH and PROOF by recursion over all leaf hashes.
/// O(n) per call, so only an oracle for tests.
enum NaiveMerkleTree {
    static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        switch leaves.count {
        case 0: return MerkleHasher.emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let split = leaves.startIndex + k(leaves.count)
            return MerkleHasher.nodeHash(root(leaves[..<split]), root(leaves[split...]))
        }
    }

    static func path(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard leaves.count > 1 else { return [] }
        let k = k(leaves.count)
        let split = leaves.startIndex + k
        if m < k {
            return path(m, leaves[..<split]) + [root(leaves[split...])]
        }
        return path(m - k, leaves[split...]) + [root(leaves[..<split])]
    }

    static func proof(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        subproof(m, leaves, true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<Hash>, _ b: Bool) -> [Hash] {
        if m == leaves.count {
            return b ? [] : [root(leaves)]
        }
        let k = k(leaves.count)
        let split = leaves.startIndex + k
        if m <= k {
            return subproof(m, leaves[..<split], b) + [root(leaves[split...])]
        }
        return subproof(m - k, leaves[split...], false) + [root(leaves[..<split])]
    }

    /// The largest power of two smaller than n.
    private static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }
}
