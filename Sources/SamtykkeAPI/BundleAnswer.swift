import CanonicalJSON

/// The broker's answer to a bundle request, `{bundle, auditReceipt}` (SPEC §3): what the server
/// sends and what banks keep and verify.
public struct BundleAnswer: Codable, Sendable, Hashable {
    /// Proof that an entry (here the bundle's `bundle.issued`; on a citizen's answer the decision
    /// it logged) is in the log's signed checkpoint.
    public struct Receipt: Codable, Sendable, Hashable {
        public let index: UInt64
        /// The entry's exact leaf bytes, base64.
        public let entry: String
        public let treeSize: UInt64
        /// The proof's hashes, base64.
        public let inclusionProof: [String]
        /// The signed checkpoint note, with any cosignatures.
        public let checkpoint: String
        /// A v2 entry's opening `{index, salt, private}` (SPEC §4), for the bank or the citizen the
        /// receipt is for; absent for a v1 entry.
        public let opening: JSONValue?

        public init(index: UInt64, entry: String, treeSize: UInt64, inclusionProof: [String], checkpoint: String, opening: JSONValue? = nil) {
            self.opening = opening
            self.index = index
            self.entry = entry
            self.treeSize = treeSize
            self.inclusionProof = inclusionProof
            self.checkpoint = checkpoint
        }
    }

    /// The compact JWS.
    public let bundle: String
    public let auditReceipt: Receipt

    public init(bundle: String, auditReceipt: Receipt) {
        self.bundle = bundle
        self.auditReceipt = auditReceipt
    }
}
