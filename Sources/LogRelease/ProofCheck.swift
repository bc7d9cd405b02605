import Synchronization
import TransparencyLog

/// SPEC §5 check 1: a tlog-proof places the entry in a checkpoint the policy's log signed, that a
/// quorum of the policy's witnesses cosigned, the newest of them at most `maximumAge` seconds ago.
public struct ProofCheck: Sendable {
    public let policy: LogPolicy
    public let log: LogPolicy.Log
    public let maximumAge: UInt64
    /// How far ahead of this machine's clock a cosignature may be dated: witnesses' clocks differ by
    /// a little, and a date further ahead would keep a cosignature fresh for longer than `maximumAge`.
    public static let maximumSkew: UInt64 = 10
    private let verifiedNotes = VerifiedNotes()

    /// A proof checked: where the entry is, and the checkpoint that says so.
    public struct Verified: Sendable, Hashable {
        public let index: UInt64
        public let checkpoint: Checkpoint
        /// The newest cosignature's time, POSIX seconds.
        public let newestCosignature: UInt64
    }

    /// The policy must name exactly one log, the one released against, and a quorum that a fresh
    /// cosignature can meet: `quorum none` has no cosignature to be fresh.
    public init(policy: LogPolicy, maximumAge: UInt64 = 60) throws(LogPolicyError) {
        guard policy.logs.count == 1, let log = policy.logs.first else {
            throw LogPolicyError(line: nil, "it lists \(policy.logs.count) logs; releasing against a log needs exactly one")
        }
        if case .none = policy.quorum {
            throw LogPolicyError(line: nil, "quorum none: releasing needs a witness's cosignature at most \(maximumAge) s old")
        }
        self.policy = policy
        self.log = log
        self.maximumAge = maximumAge
    }

    /// The log's origin: its key's name, as tlog-policy requires.
    public var origin: String { log.verifier.name }

    /// Checks `proofText` for the entry `leaf` as of `now` (POSIX seconds).
    public func verify(_ proofText: String, leaf: [UInt8], now: UInt64) throws(ReleaseRefusal) -> Verified {
        func refuse(_ reason: String) -> ReleaseRefusal { ReleaseRefusal(.proof, reason) }
        let proof: TlogProof
        do { proof = try TlogProof(parsing: proofText) } catch { throw refuse(error.description) }
        // Bytes, not Characters: "\r\n" is one Character.
        let origin = String(decoding: proof.signedCheckpoint.utf8.prefix { $0 != 0x0A }, as: UTF8.self)
        guard origin == self.origin else { throw refuse("the checkpoint is of the log \(String(reflecting: origin)), not \(self.origin)") }
        let (checkpoint, cosignatures) = try verifiedNote(proof.signedCheckpoint)
        do {
            try MerkleVerifier.verifyInclusion(
                index: proof.index, size: checkpoint.size, leafHash: MerkleHasher.leafHash(leaf), proof: proof.hashes, root: checkpoint.rootHash)
        } catch {
            throw refuse("the entry is not at index \(proof.index) of the checkpoint's tree: \(error)")
        }
        let witnesses = Set(cosignatures.map(\.witness))
        guard policy.quorum.isMet(by: witnesses) else {
            let named = witnesses.isEmpty ? "no witness of the policy" : "only " + witnesses.sorted().joined(separator: ", ")
            throw refuse("the checkpoint lacks the policy's quorum: \(named) cosigned it")
        }
        // The quorum is met, so there is at least one cosignature.
        let newest = cosignatures.map(\.cosignature.time).max() ?? 0
        guard newest <= now || newest - now <= Self.maximumSkew else {
            throw refuse("the newest cosignature is dated \(newest - now) s in the future")
        }
        guard newest >= now || now - newest <= maximumAge else {
            throw refuse("the newest cosignature is \(now - newest) s old, more than \(maximumAge) s")
        }
        return Verified(index: proof.index, checkpoint: checkpoint, newestCosignature: newest)
    }

    /// The checkpoint a signed note carries and the policy's witnesses' cosignatures on it, their
    /// signatures checked; a note checked before is not checked again. The broker's cosignature
    /// rounds cover many fetches each, so most proofs carry a note an earlier one did.
    private func verifiedNote(_ text: String) throws(ReleaseRefusal) -> VerifiedNotes.Note {
        if let known = verifiedNotes.lookUp(text) { return known }
        let verified: VerifiedNotes.Note
        do {
            let note = try SignedNote(parsing: text)
            verified = (try Checkpoint(parsing: log.verifier.open(note)), try policy.cosignatures(in: note))
        } catch {
            throw ReleaseRefusal(.proof, "the checkpoint: \(error)")
        }
        verifiedNotes.remember(text, verified)
        return verified
    }
}

/// Signed notes whose signatures verified, by their exact bytes (not by String equality, which
/// takes canonically equivalent texts for one, and a signature covers bytes). A handful: a note is of interest
/// only while its newest cosignature is under a minute old.
final class VerifiedNotes: Sendable {
    typealias Note = (checkpoint: Checkpoint, cosignatures: [(witness: String, cosignature: Cosignature)])
    private static let kept = 64
    private let notes = Mutex<(byText: [[UInt8]: Note], order: [[UInt8]])>(([:], []))

    func lookUp(_ text: String) -> Note? {
        notes.withLock { $0.byText[Array(text.utf8)] }
    }

    func remember(_ text: String, _ note: Note) {
        let bytes = Array(text.utf8)
        notes.withLock { notes in
            guard notes.byText.updateValue(note, forKey: bytes) == nil else { return }
            notes.order.append(bytes)
            if notes.order.count > Self.kept { notes.byText[notes.order.removeFirst()] = nil }
        }
    }
}
