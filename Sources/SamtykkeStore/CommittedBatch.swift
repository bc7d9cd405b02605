import SamtykkeCore

/// What one commit did: each change's outcome, in order, and the checkpoint signed over the tree
/// they left (nil only when the log is still empty).
public struct CommittedBatch: Sendable {
    public let outcomes: [Result<ChangeOutcome, StorageError>]
    public let checkpoint: SignedCheckpoint?
    /// For each single-use value recorded with the batch, in order: whether it was the first use.
    public let firstUses: [Bool]

    public init(outcomes: [Result<ChangeOutcome, StorageError>], checkpoint: SignedCheckpoint?, firstUses: [Bool] = []) {
        self.outcomes = outcomes
        self.checkpoint = checkpoint
        self.firstUses = firstUses
    }

    /// The same batch with the answers of the single-use values recorded with it.
    public func recording(firstUses: [Bool]) -> CommittedBatch {
        CommittedBatch(outcomes: outcomes, checkpoint: checkpoint, firstUses: firstUses)
    }
}

/// One change as committed.
public struct ChangeOutcome: Sendable {
    /// The consent as it now stands (nil for an expiry sweep).
    public let consent: Consent?
    /// The entries this change appended, with their indexes.
    public let entries: [AuditEntry]
    /// Why the domain refused the action (what was logged on the way still committed).
    public let refusal: DomainError?
    /// The proof that this change's `bundle.issued` entry, or the decision it logged (granted,
    /// denied, revoked, withdrawn), is in the batch's checkpoint.
    public let receipt: AuditReceipt?
    /// How many consents an expiry sweep expired.
    public let expired: Int
    /// How many consents a retention sweep forgot.
    public let forgotten: Int
    /// What an earlier request with this change's `claiming` key did; nothing was done this time.
    public let replayed: IdempotentResult?

    public init(consent: Consent?, entries: [AuditEntry], refusal: DomainError?, receipt: AuditReceipt?, expired: Int = 0, forgotten: Int = 0, replayed: IdempotentResult? = nil) {
        self.consent = consent
        self.entries = entries
        self.refusal = refusal
        self.receipt = receipt
        self.expired = expired
        self.forgotten = forgotten
        self.replayed = replayed
    }

    /// The consent after a change that names one.
    public func acceptedConsent() throws -> Consent {
        if let refusal { throw StorageError.refused(refusal) }
        guard let consent else { throw StoreFailure.corrupt("a consent change committed without its consent") }
        return consent
    }
}
