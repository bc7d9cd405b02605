import CanonicalJSON
import Foundation
import SamtykkeAPI
import SamtykkeCore
import TransparencyLog

/// Checks an `auditReceipt` offline (SPEC §3): the checkpoint is signed by the log key (and cosigned
/// by each of `witnesses`), the entry is a `bundle.issued` entry carrying this bundle's SHA-256, and
/// the proof places it in that checkpoint's tree.
public enum ReceiptCheck {
    /// What a receipt was seen to prove, so callers can match it against the bundle's claims.
    public struct Verified: Sendable {
        public let entry: AuditEntry
        public let checkpoint: Checkpoint
        /// One per witness required, in the order given.
        public let cosignatures: [Cosignature]
    }

    @discardableResult
    public static func verify(
        bundle: String, receipt: BundleAnswer.Receipt, logKey: String, witnesses: [CosignatureVerifier] = []
    ) throws(ReceiptError) -> Verified {
        let verifier: NoteVerifier
        do {
            verifier = try NoteVerifier(verifierKey: logKey.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw .notALogKey(cause: error)
        }
        let signed: Checkpoint
        do {
            signed = try Checkpoint.open(receipt.checkpoint, verifier: verifier)
        } catch {
            throw .notSigned(cause: error)
        }
        let cosignatures: [Cosignature]
        do {
            cosignatures = try CosignedCheckpointVerifier(log: verifier, witnesses: witnesses).verify(receipt.checkpoint).cosignatures
        } catch {
            throw .notCosigned(cause: error)
        }
        guard signed.size == receipt.treeSize else { throw .treeSize(receipt: receipt.treeSize, checkpoint: signed.size) }
        let parsed = try provenEntry(receipt, root: signed.rootHash)
        guard case .bundleIssued(let issue) = parsed.event else { throw .notBundleIssued(type: parsed.type.rawValue) }
        guard issue.bundleSHA256 == Hash(sha256Of: Array(bundle.utf8)).hex else { throw .otherBundle }
        return Verified(entry: parsed, checkpoint: signed, cosignatures: cosignatures)
    }

    /// The entry a citizen's grant, deny or revoke answer carries the receipt of: a v2 entry of
    /// `type` whose opening names `consent` and `person`, placed by the proof in the tree of the
    /// receipt's checkpoint. The checkpoint's signature is the business of a verifier that holds the
    /// log's key and its witnesses' (SPEC §4); this says the broker logged what it answered.
    @discardableResult
    public static func verify(
        answer receipt: BundleAnswer.Receipt, type: AuditEntry.EntryType, consent: String, person: String
    ) throws(ReceiptError) -> AuditEntry {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(parsing: try SignedNote(parsing: receipt.checkpoint).text)
        } catch {
            throw .notSigned(cause: error)
        }
        guard checkpoint.size == receipt.treeSize else { throw .treeSize(receipt: receipt.treeSize, checkpoint: checkpoint.size) }
        let entry = try provenEntry(receipt, root: checkpoint.rootHash)
        guard entry.type == type else { throw .otherEntry("it is \(entry.type.rawValue), not \(type.rawValue)") }
        guard entry.consentId.description == consent, entry.personId.digits == person else {
            throw .otherEntry("it is about another consent or person")
        }
        return entry
    }

    /// The receipt's entry, opened by the receipt's opening when it is a v2 entry, at the receipt's
    /// index and placed by its proof in the tree of `root`.
    private static func provenEntry(_ receipt: BundleAnswer.Receipt, root: Hash) throws(ReceiptError) -> AuditEntry {
        guard let leaf = Data(base64Encoded: receipt.entry).map(Array.init) else { throw .entryNotBase64 }
        let parsed: AuditEntry
        do {
            switch try LogLeaf(leafBytes: leaf) {
            case .v1(let entry): parsed = entry
            case .v2(let entry):
                guard let json = receipt.opening else { throw ReceiptError.noOpening }
                parsed = try AuditEntry(entry, opening: try EntryOpening(json: json, type: entry.type))
            }
        } catch let error as ReceiptError {
            throw error
        } catch {
            throw .notAnEntry(cause: error)
        }
        guard parsed.index == receipt.index else { throw .index(entry: parsed.index, receipt: receipt.index) }
        var hashes: [Hash] = []
        for (position, text) in receipt.inclusionProof.enumerated() {
            guard let hash = Hash(base64: text) else { throw .proofHashNotBase64(position: position) }
            hashes.append(hash)
        }
        do {
            try MerkleVerifier.verifyInclusion(
                index: receipt.index, size: receipt.treeSize, leafHash: MerkleHasher.leafHash(leaf), proof: hashes, root: root
            )
        } catch {
            throw .proofDoesNotHold(cause: error)
        }
        return parsed
    }
}
