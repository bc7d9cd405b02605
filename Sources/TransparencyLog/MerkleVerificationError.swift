/// Why a proof for sizes that can have one did not verify. Sizes that cannot are a
/// `MerkleTreeError`, as when a proof for them is asked of a tree.
public enum MerkleVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongProofSize(got: Int, expected: Int)
    /// The proof leads to `computed` for the tree of `size` leaves, but the trusted root is `expected`.
    case rootMismatch(size: UInt64, computed: Hash, expected: Hash)

    public var description: String {
        switch self {
        case .wrongProofSize(let got, let expected):
            "proof has \(got) hashes, expected \(expected)"
        case .rootMismatch(let size, let computed, let expected):
            "root mismatch for size \(size): computed \(computed), expected \(expected)"
        }
    }
}
