/// Why a proof did not verify.
public enum MerkleVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case indexBeyondSize(index: UInt64, size: UInt64)
    case fromBeyondTo(from: UInt64, to: UInt64)
    case wrongProofSize(got: Int, expected: Int)
    /// The proof leads to `computed` for the tree of `size` leaves, but the trusted root is `expected`.
    case rootMismatch(size: UInt64, computed: Hash, expected: Hash)

    public var description: String {
        switch self {
        case .indexBeyondSize(let index, let size):
            "index is beyond size: \(index) >= \(size)"
        case .fromBeyondTo(let from, let to):
            "consistency proof from a larger tree: \(from) > \(to)"
        case .wrongProofSize(let got, let expected):
            "proof has \(got) hashes, expected \(expected)"
        case .rootMismatch(let size, let computed, let expected):
            "root mismatch for size \(size): computed \(computed), expected \(expected)"
        }
    }
}
