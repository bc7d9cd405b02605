import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RFC 9162 §2.1.1 hashing with SHA-256: distinct prefixes for leaves and interior nodes, so no
/// leaf can be passed off as a node (second-preimage resistance across levels).
public enum MerkleHasher {
    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = Hash(SHA256.hash(data: [UInt8]()))

    /// SHA-256(0x00 || entry).
    public static func leafHash(_ entry: some DataProtocol) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: entry)
        return Hash(hasher.finalize())
    }

    /// SHA-256(0x01 || left || right).
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        // One contiguous buffer rather than three DataProtocol updates: this is the hot path of
        // every root and proof, and the generic updates cost several times more unoptimized.
        var hasher = SHA256()
        ([0x01] + left.bytes + right.bytes).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash(hasher.finalize())
    }
}
