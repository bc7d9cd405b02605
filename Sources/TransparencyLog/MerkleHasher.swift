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

    /// SHA-256(0x00 || entry). Inlinable, so a verifier hashing millions of leaves gets it
    /// specialized for its buffers instead of walking `DataProtocol` through witness tables.
    @inlinable
    public static func leafHash(_ entry: some DataProtocol) -> Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(data: entry)
        return Hash(hasher.finalize())
    }

    /// SHA-256(0x01 || left || right).
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        // One contiguous buffer on the stack: this is the hot path of every root and proof, and
        // three separate updates (or an array) cost several times the 65 bytes' hashing.
        withUnsafeTemporaryAllocation(byteCount: 1 + 2 * Hash.byteCount, alignment: 8) { block in
            block[0] = 0x01
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: block[1...]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: block[(1 + Hash.byteCount)...]).copyMemory(from: $0) }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(block))
            return Hash(hasher.finalize())
        }
    }
}
