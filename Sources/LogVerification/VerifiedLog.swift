import TransparencyLog

/// What `audit verify` established: every entry up to `checkpoint.size` is in place, canonical and
/// hashes to the signed root, and the tree extends the one trusted before, if any.
public struct VerifiedLog: Sendable, Hashable {
    public let checkpoint: Checkpoint
    /// The note as published, kept so the next run can re-check it with the key.
    public let signedCheckpoint: String
    public let logKey: String
    /// The checkpoint this run was checked against; nil on a first run, which trusts on first use.
    public let trusted: Checkpoint?
    /// One per witness key the auditor required, in that order.
    public let cosignatures: [Cosignature]
    /// Whether the entries were read as C2SP entry bundles; false when the log served none and its
    /// pages of entries were read instead.
    public let readAsEntryBundles: Bool
    /// How many consents the v2 entries name by their tags, each checked against the public
    /// invariants, and how many of those were forgotten (their openings shredded).
    public let consentTags: Int
    public let forgottenConsentTags: Int
    /// Entries of forgotten consents, which have no opening any more (SPEC §4, crypto-shredding).
    public var shreddedEntries: Int = 0
    /// Entries written before v2, which name their parties in clear and cannot be shredded.
    public var v1Entries: UInt64 = 0
    /// Entries kept to auditors (v1, before the upgrade) that a verifier without the key could not
    /// read: the tree proves them, their content nobody checked.
    public var withheldEntries: UInt64 = 0
    /// Consents whose request was among the withheld entries, whose rules could not be judged.
    public var uncheckedConsentTags = 0
    /// What the auditor's openings showed; nil without them.
    public var opened: Opened?

    /// The entries an auditor opened.
    public struct Opened: Sendable, Hashable {
        /// v2 entries opened and checked.
        public let opened: Int
        /// v1 entries read in full and checked with the opened ones.
        public let v1Entries: Int
        /// v2 entries without an opening, all of forgotten consents.
        public let withoutOpening: Int
    }

    public var trustedOnFirstUse: Bool { trusted == nil }
}
