import TransparencyLog

/// Why a log did not verify, with the first index at fault when one can be named.
///
/// Every description is one line an auditor can act on; `firstBadIndex` is what scripts and
/// tests compare. It is nil only where the evidence cannot point at an entry: a bad signature,
/// a changed key, or a fork from the checkpoint kept from the last run.
public struct LogVerificationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// The published checkpoint does not open with the log key, or is not a checkpoint.
        case badCheckpoint(String)
        /// The log publishes another key than the one trusted on an earlier run.
        case logKeyChanged(trusted: String, published: String)
        /// The checkpoint names another log than the one seen on an earlier run.
        case originChanged(trusted: String, published: String)
        /// No entry is served at `index`; `next` is the index served in its place, nil when the log ends there.
        case missingEntry(index: UInt64, next: UInt64?, checkpointSize: UInt64)
        /// At position `index` the log served an entry filed under an earlier index: a duplicate or disorder.
        case outOfOrder(index: UInt64, served: UInt64)
        /// The bytes at `index` are not a canonical audit entry.
        case malformedEntry(index: UInt64, reason: String)
        /// The entry at `index` says it is entry `claimed`: entries were moved or swapped.
        case misplacedEntry(index: UInt64, claimed: UInt64)
        /// The entries up to `index` hash to the signed tree, the one at `index` does not: its bytes changed.
        case changedEntry(index: UInt64)
        /// The entries do not hash to the signed root, and no single entry could be blamed (the log
        /// answered differently while it was being located).
        case rootMismatch(size: UInt64, computed: Hash, signed: Hash)
        /// The signed tree is smaller than the one trusted on an earlier run.
        case rollback(trustedSize: UInt64, size: UInt64)
        /// The signed tree does not extend the one trusted on an earlier run.
        case inconsistentWithTrusted(trustedSize: UInt64, size: UInt64, reason: String)
        /// A proof the log served does not lead to the signed root.
        case badProof(String)
        /// The checkpoint lacks a valid cosignature of a witness the auditor requires.
        case notWitnessed(String)
        /// The log's entry bundles are not what the signed tree needs, though its entries are:
        /// they were served from somewhere else. `index` is the first entry they got wrong, when known.
        case bundlesDisagree(index: UInt64?, reason: String)
        /// The v2 entry at `index` breaks one of the public invariants of SPEC §4 (a bundle after the
        /// consent ended, more than its uses, a decision the state machine does not have, …).
        case brokenRule(index: UInt64, reason: String)
        /// The opening served for the v2 entry at `index` is malformed or does not open it.
        case badOpening(index: UInt64, reason: String)
        /// The v2 entry at `index` has no opening, and its consent has no `consent.forgotten` entry.
        case unopened(index: UInt64)
        /// The entry at `index` is about the citizen verifying, but the broker gives them no opening
        /// for it, and its consent was not forgotten.
        case notOpenedForYou(index: UInt64)
        /// The subject tag of the entry at `index` contradicts its consent: tagged with the citizen's
        /// key on a consent whose request was not, or the other way round.
        case wrongSubject(index: UInt64, reason: String)
    }

    public let reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }

    public var firstBadIndex: UInt64? {
        switch reason {
        case .missingEntry(let index, _, _), .outOfOrder(let index, _), .malformedEntry(let index, _),
             .misplacedEntry(let index, _), .changedEntry(let index), .brokenRule(let index, _), .badOpening(let index, _),
             .unopened(let index), .notOpenedForYou(let index), .wrongSubject(let index, _):
            index
        case .bundlesDisagree(let index, _):
            index
        // Entries from the new size on were in the trusted tree and are gone now.
        case .rollback(_, let size):
            size
        case .badCheckpoint, .logKeyChanged, .originChanged, .rootMismatch, .inconsistentWithTrusted, .badProof, .notWitnessed:
            nil
        }
    }

    public var description: String {
        switch reason {
        case .badCheckpoint(let why):
            "the published checkpoint does not verify with the log key: \(why)"
        case .logKeyChanged(let trusted, let published):
            "the log now publishes key \(published), but key \(trusted) was trusted on an earlier run"
        case .originChanged(let trusted, let published):
            "the checkpoint is for log \(published), but log \(trusted) was verified on an earlier run"
        case .missingEntry(let index, let next?, _):
            "entry \(index) is missing: the log skips from \(index == 0 ? "the start" : String(index - 1)) to \(next)"
        case .missingEntry(let index, nil, let size):
            "entry \(index) is missing: the log ends after \(index) entries but its signed checkpoint covers \(size) (truncated)"
        case .outOfOrder(let index, let served):
            "entry \(index) is out of order: the log served entry \(served) in its place"
        case .malformedEntry(let index, let why):
            "entry \(index) is not a canonical audit entry: \(why)"
        case .misplacedEntry(let index, let claimed):
            "entry \(index) says it is entry \(claimed): entries were moved or swapped"
        case .changedEntry(let index):
            "entry \(index) is not the entry the signed checkpoint covers: its bytes were changed"
        case .rootMismatch(let size, let computed, let signed):
            "the \(size) entries hash to \(computed.base64), the signed checkpoint says \(signed.base64)"
        case .rollback(let trustedSize, let size):
            "the log was rolled back: its signed checkpoint covers \(size) entries, but \(trustedSize) were verified on an earlier run"
        case .inconsistentWithTrusted(let trustedSize, let size, let why):
            "the log of \(size) entries does not extend the \(trustedSize) verified on an earlier run (a fork or rewrite): \(why)"
        case .badProof(let why):
            why
        case .notWitnessed(let why):
            "the published checkpoint is not cosigned by every required witness: \(why)"
        case .bundlesDisagree(_, let why):
            "the log's entries verify, but its entry bundles do not serve them: \(why)"
        case .brokenRule(let index, let why):
            "entry \(index) is signed into the log, but \(why)"
        case .badOpening(let index, let why):
            "the opening of entry \(index) does not open it: \(why)"
        case .unopened(let index):
            "entry \(index) has no opening any more, but its consent was never forgotten (no consent.forgotten entry for its tag)"
        case .notOpenedForYou(let index):
            "entry \(index) is about you, but the broker gives you no opening for it, and its consent was not forgotten"
        case .wrongSubject(let index, let why):
            "entry \(index) \(why)"
        }
    }
}
