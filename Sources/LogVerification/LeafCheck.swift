import SamtykkeCore
import TransparencyLog

/// The one check of a leaf read at a position of the log, whichever way it was read.
enum LeafCheck {
    /// The leaf hash of `leaf`, found at `position`, if it is the canonical audit entry stating that
    /// index. The index inside the leaf is what the leaf hash commits to; the position is only where
    /// the log keeps it, so rows swapped wholesale keep their places but not their leaves.
    static func leafHash(of leaf: UnsafeRawBufferPointer, at position: UInt64) throws(LogVerificationFailure) -> Hash {
        let claimed: UInt64
        do {
            claimed = try LogLeaf.index(ofLeaf: leaf)
        } catch {
            throw LogVerificationFailure(.malformedEntry(index: position, reason: error.description))
        }
        guard claimed == position else { throw LogVerificationFailure(.misplacedEntry(index: position, claimed: claimed)) }
        return MerkleHasher.leafHash(leaf)
    }
}
