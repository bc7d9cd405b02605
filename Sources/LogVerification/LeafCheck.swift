import SamtykkeCore
import TransparencyLog

/// The one check of a leaf read at a position of the log, whichever way it was read.
enum LeafCheck {
    /// A leaf that passed: its hash, and the public entry it is when it is a v2 one (for the
    /// public invariants, which read v2 entries only).
    struct Checked {
        let hash: Hash
        let publicEntry: PublicEntry?
    }

    /// `leaf`, found at `position`, if it is a canonical entry of either version stating that
    /// index. The index inside the leaf is what the leaf hash commits to; the position is only where
    /// the log keeps it, so rows swapped wholesale keep their places but not their leaves.
    static func check(_ leaf: UnsafeRawBufferPointer, at position: UInt64) throws(LogVerificationFailure) -> Checked {
        let claimed: UInt64
        var publicEntry: PublicEntry?
        do {
            if leaf.starts(with: Self.v2Start) {
                let entry = try PublicEntry.scanned(leaf)
                (claimed, publicEntry) = (entry.index, entry)
            } else {
                claimed = try LogLeaf.index(ofLeaf: leaf)
            }
        } catch {
            throw LogVerificationFailure(.malformedEntry(index: position, reason: error.description))
        }
        guard claimed == position else { throw LogVerificationFailure(.misplacedEntry(index: position, claimed: claimed)) }
        return Checked(hash: MerkleHasher.leafHash(leaf), publicEntry: publicEntry)
    }

    /// How every v2 leaf begins (RFC 8785 puts `commitment` first), and no v1 leaf does.
    private static let v2Start = Array(#"{"commitment":"#.utf8)
}

/// SPEC §4's public invariants over the v2 entries of a pass, fed in index order; the first
/// entry that breaks one is kept, to be reported once the entries are known to be the signed ones.
struct InvariantCheck: Sendable {
    private var invariants = PublicInvariants()
    private(set) var firstBroken: LogVerificationFailure?
    /// Whether entries before the next were withheld (a verifier without the auditor key).
    private var withheldBefore = false
    /// Consents whose request was among the withheld entries: their rules cannot be judged from
    /// the middle, so their entries are left alone.
    private(set) var uncheckedTags: Set<ConsentTag> = []

    mutating func afterWithheldEntries() {
        withheldBefore = true
    }

    mutating func take(_ entry: PublicEntry) {
        guard firstBroken == nil, !uncheckedTags.contains(entry.consent) else { return }
        if withheldBefore, entry.type != .consentRequested, !invariants.knows(entry.consent) {
            uncheckedTags.insert(entry.consent)
            return
        }
        do {
            try invariants.check(entry)
        } catch {
            firstBroken = LogVerificationFailure(.brokenRule(index: entry.index, reason: error.reason))
        }
    }

    var consentCount: Int { invariants.consentCount }
    var forgottenCount: Int { invariants.forgottenCount }
    var publicEntryCount: Int { invariants.entryCount }
    var shreddedEntryCount: Int { invariants.shreddedEntryCount }

    func isForgotten(_ tag: ConsentTag) -> Bool { invariants.isForgotten(tag) }
}
