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
        guard let leaf = Data(base64Encoded: receipt.entry).map(Array.init) else { throw .entryNotBase64 }
        let parsed: AuditEntry
        do {
            parsed = try AuditEntry(leafBytes: leaf)
        } catch {
            throw .notAnEntry(cause: error)
        }
        guard parsed.index == receipt.index else { throw .index(entry: parsed.index, receipt: receipt.index) }
        guard case .bundleIssued(let issue) = parsed.event else { throw .notBundleIssued(type: parsed.type.rawValue) }
        guard issue.bundleSHA256 == Hash(sha256Of: Array(bundle.utf8)).hex else { throw .otherBundle }
        var hashes: [Hash] = []
        for (position, text) in receipt.inclusionProof.enumerated() {
            guard let hash = Hash(base64: text) else { throw .proofHashNotBase64(position: position) }
            hashes.append(hash)
        }
        do {
            try MerkleVerifier.verifyInclusion(
                index: receipt.index, size: receipt.treeSize, leafHash: MerkleHasher.leafHash(leaf), proof: hashes, root: signed.rootHash
            )
        } catch {
            throw .proofDoesNotHold(cause: error)
        }
        return Verified(entry: parsed, checkpoint: signed, cosignatures: cosignatures)
    }
}
