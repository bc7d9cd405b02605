import CanonicalJSON
import Foundation
import SamtykkeCore
import TransparencyLog

/// Checks an `auditReceipt` offline (SPEC §3): the checkpoint is signed by the log key (and cosigned
/// by each of `witnesses`), the entry is a `bundle.issued` entry carrying this bundle's SHA-256, and
/// the proof places it in that checkpoint's tree.
enum ReceiptCheck {
    /// Returns the entry, checkpoint and cosignatures (one per witness, in order) it verified, so
    /// callers can match them against the bundle's claims.
    @discardableResult
    static func verify(
        bundle: String, index: UInt64, entry: String, treeSize: UInt64, proof: [String], checkpoint: String, logKey: String,
        witnesses: [CosignatureVerifier] = []
    ) throws -> (entry: AuditEntry, checkpoint: Checkpoint, cosignatures: [Cosignature]) {
        let verifier: NoteVerifier
        do {
            verifier = try NoteVerifier(verifierKey: logKey.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw CLIError("the log key is not a note verifier key: \(error)")
        }
        let signed: Checkpoint
        do {
            signed = try Checkpoint.open(checkpoint, verifier: verifier)
        } catch {
            throw CLIError("the receipt's checkpoint is not signed by the log key: \(error)")
        }
        let cosignatures: [Cosignature]
        do {
            cosignatures = try CosignedCheckpointVerifier(log: verifier, witnesses: witnesses).verify(checkpoint).cosignatures
        } catch {
            throw CLIError("the receipt's checkpoint is not cosigned by every required witness: \(error)")
        }
        guard signed.size == treeSize else { throw CLIError("the receipt's tree size \(treeSize) is not the checkpoint's \(signed.size)") }
        guard let leaf = Data(base64Encoded: entry).map(Array.init) else { throw CLIError("the receipt's entry is not base64") }
        let parsed: AuditEntry
        do {
            parsed = try AuditEntry(leafBytes: leaf)
        } catch {
            throw CLIError("the receipt's entry is not a log entry: \(error)")
        }
        guard parsed.index == index else { throw CLIError("the entry says index \(parsed.index), the receipt \(index)") }
        guard case .bundleIssued(let issue) = parsed.event else { throw CLIError("the entry is \(parsed.type.rawValue), not bundle.issued") }
        guard issue.bundleSHA256 == Hash(sha256Of: Array(bundle.utf8)).hex else {
            throw CLIError("the log entry's bundleSha256 is not this bundle's SHA-256")
        }
        let hashes = try proof.enumerated().map { i, text in
            guard let hash = Hash(base64: text) else { throw CLIError("inclusion proof hash \(i) is not a base64 SHA-256") }
            return hash
        }
        do {
            try MerkleVerifier.verifyInclusion(index: index, size: treeSize, leafHash: MerkleHasher.leafHash(leaf), proof: hashes, root: signed.rootHash)
        } catch {
            throw CLIError("the inclusion proof does not hold: \(error)")
        }
        return (parsed, signed, cosignatures)
    }
}
