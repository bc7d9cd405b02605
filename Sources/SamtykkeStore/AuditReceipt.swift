import SamtykkeCore
import TransparencyLog

/// Proof that one entry is in the log (SPEC §3 `auditReceipt`): the leaf, its place, the path to the
/// root of a signed checkpoint, and that checkpoint.
public struct AuditReceipt: Sendable, Hashable {
    public let index: UInt64
    public let entry: [UInt8]
    public let treeSize: UInt64
    public let inclusionProof: [Hash]
    public let checkpoint: String
    /// What opens a v2 entry, for whom the receipt is (the bank, the citizen); nil for a v1 entry.
    public let opening: EntryOpening?

    public init(index: UInt64, entry: [UInt8], treeSize: UInt64, inclusionProof: [Hash], checkpoint: String, opening: EntryOpening? = nil) {
        self.opening = opening
        self.index = index
        self.entry = entry
        self.treeSize = treeSize
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
    }
}
