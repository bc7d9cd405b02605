import TransparencyLog

/// What a vector's mutation changed, read from its name, and so which check must refuse it: a
/// mutation caught by the wrong check would hide a check that does not work.
enum VectorMutation {
    /// A hash of the proof, the leaf or a root: the proof is as long as the sizes need, so only the
    /// root it leads to can differ.
    case hash
    /// Hashes added or dropped: refused for its length, before any hashing.
    case length
    /// Another index or size: the proof may be of the wrong length for it, lead to another root, or
    /// the sizes may name no proof at all.
    case position

    init?(_ desc: String) {
        let hash = ["flipped-bit-", "wrong-leaf", "wrong-root", "empty-root", "swapped-roots"]
        let length = ["extra-hash", "truncated-proof", "empty-proof", "preceding-"]
        if hash.contains(where: desc.hasPrefix) {
            self = .hash
        } else if length.contains(where: desc.hasPrefix) {
            self = .length
        } else if desc.hasPrefix("index-") || desc.hasPrefix("size") {
            self = .position
        } else {
            return nil
        }
    }

    func isRefusal(_ error: any Error, of proof: [Hash]) -> Bool {
        switch (self, error as? MerkleVerificationError) {
        case (.hash, .rootMismatch?): true
        case (.length, .wrongProofSize(let got, _)?): got == proof.count
        case (.position, _?): true
        case (.position, nil): error is MerkleTreeError
        default: false
        }
    }
}
