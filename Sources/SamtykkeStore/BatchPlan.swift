import Foundation
import SamtykkeCore
import TransparencyLog

/// What a store has read, under its locks, before a batch is decided.
public struct BatchInputs: Sendable {
    /// The log's size and the right edge of its tree (`MerkleTreeBuilder.rightEdgeNodes(size:)`).
    public var size: UInt64
    public var rightEdge: [Hash]
    /// The newest checkpoint, which still covers the log when the batch appends nothing.
    public var checkpoint: SignedCheckpoint?
    /// The rows `BatchPlan.consentIDs(in:)` names, as stored (missing ones absent).
    public var consents: [ConsentID: Consent]
    /// Due consents for the batch's expiry sweeps, oldest first, at most `BatchPlan.sweepLimit(in:)`.
    public var due: [Consent]
    /// Consents for the batch's retention sweeps (`BatchPlan.forgetting(in:)`), longest ended first.
    public var ended: [Consent] = []
    /// Which of `BatchPlan.banks(in:)` are registered.
    public var registeredBanks: Set<OrgNumber>
    /// The current token of each claim a change completes (absent: the record is gone).
    public var claimTokens: [IdempotencyRecordID: String]
    /// The records of keys changes claim (`BatchPlan.claimedKeys(in:)`), locked; absent when none.
    public var claimRecords: [IdempotencyRecordID: IdempotencyRecord]
    /// The public tags of `partiesToLog(in:)`'s consents that have one. A consent requested before
    /// the log wrote v2 entries has none and keeps writing v1 entries, so that every consent tag's
    /// first entry is its `consent.requested` (SPEC §4's public invariants).
    public var consentTags: [ConsentID: ConsentTag] = [:]
    /// The subject keys of `partiesToLog(in:)`'s people that have one.
    public var subjectKeys: [PersonID: SubjectKey] = [:]

    public init(
        size: UInt64, rightEdge: [Hash], checkpoint: SignedCheckpoint?, consents: [ConsentID: Consent], due: [Consent],
        registeredBanks: Set<OrgNumber>, claimTokens: [IdempotencyRecordID: String], claimRecords: [IdempotencyRecordID: IdempotencyRecord]
    ) {
        self.claimRecords = claimRecords
        self.size = size
        self.rightEdge = rightEdge
        self.checkpoint = checkpoint
        self.consents = consents
        self.due = due
        self.registeredBanks = registeredBanks
        self.claimTokens = claimTokens
    }
}

extension BatchInputs {
    /// The consents and people the batch may log about (acted on, due, or created): the store reads
    /// their tags and subject keys into `consentTags` and `subjectKeys` after the rest.
    public func partiesToLog(in changes: [Change]) -> (consents: [ConsentID], people: [PersonID]) {
        let created = changes.compactMap { if case .create(let consent) = $0.kind { consent } else { nil } }
        let all = Array(consents.values) + due + ended + created
        return (Array(Set(all.map(\.id))).sorted(), Array(Set(all.map(\.terms.personId))).sorted { $0.digits < $1.digits })
    }
}

/// An idempotency record's key: the bank and its `Idempotency-Key`.
public struct IdempotencyRecordID: Sendable, Hashable {
    public let bank: OrgNumber
    public let key: String

    public init(bank: OrgNumber, key: String) {
        self.bank = bank
        self.key = key
    }

    public init(_ key: IdempotencyKey) {
        self.init(bank: key.bank, key: key.key)
    }
}

/// Everything a batch of changes writes, decided in one place for every backend: the domain decides
/// each change (`Consent.decide`), the plan numbers the entries, extends the tree and signs its new
/// head. A store loads `BatchInputs`, writes the plan's rows in the same transaction, and asks it
/// for the receipts.
public struct BatchPlan: Sendable {
    public struct LoggedEntry: Sendable {
        /// What the entry says, v1 or v2: the v2 leaf keeps the parties in `opening`.
        public let entry: AuditEntry
        public let leaf: [UInt8]
        public let leafHash: Hash
        /// The opening stored beside a v2 entry; nil for a v1 entry, whose leaf names its parties.
        public let opening: EntryOpening?
    }

    public struct Completion: Sendable {
        public let claim: IdempotencyClaim
        public let result: IdempotentResult
    }

    public private(set) var insertedConsents: [Consent] = []
    /// Final states of changed existing consents, one per consent.
    public var updatedConsents: [Consent] { updatedOrder.compactMap { updated[$0] } }
    public private(set) var entries: [LoggedEntry] = []
    /// The outbox rows: one event for each entry a bank hears of, written in the same transaction.
    public var events: [OutboxEvent] { entries.compactMap { OutboxEvent($0.entry) } }
    public private(set) var nodes: [(level: Int, index: UInt64, hash: Hash)] = []
    /// The log's size after the batch.
    public var size: UInt64 { startSize + UInt64(entries.count) }
    /// Signed over the new head when the batch appended anything; else the one already in force.
    public private(set) var checkpoint: SignedCheckpoint?
    public var appended: Bool { !entries.isEmpty }
    private let startSize: UInt64
    public private(set) var completions: [Completion] = []
    /// Keys claimed and finished in this batch: the store writes each as a finished record,
    /// replacing a forgotten one.
    public private(set) var claimed: [(key: IdempotencyKey, result: IdempotentResult)] = []
    public private(set) var releases: [IdempotencyClaim] = []
    /// Consents this batch moved to a status that replays no bundle (revoked, withdrawn, expired, or
    /// one that never issued any): the store deletes the finished bundle records kept for their
    /// retries, sealed copies and all, after writing the batch's completions, so no copy of tax data
    /// outlives the consent by a moment. A retry is then a new request, refused like any other.
    public var purgedBundleRecords: [ConsentID] {
        updatedConsents.filter { !$0.status.allowsBundleReplay }.map(\.id)
    }
    /// Tags drawn for the consents this batch created, and subject keys for people it logged about
    /// first: the store writes them in the same transaction as the entries.
    public private(set) var newConsentTags: [(consent: ConsentID, tag: ConsentTag)] = []
    public private(set) var newSubjectKeys: [(person: PersonID, key: SubjectKey)] = []
    public var openings: [EntryOpening] { entries.compactMap(\.opening) }
    /// Consents the batch's retention sweeps forgot, as they stood: after writing the batch's rows
    /// the store replaces each by its `ForgottenConsent` (`forgottenAt` the batch's time) and
    /// deletes everything else that names it or its person: its row, events (with their deliveries),
    /// idempotency records, tag and the openings of its entries; then the subject key of each of
    /// their people left with no consent and no opening.
    public private(set) var forgotten: [Consent] = []
    private var consentTags: [ConsentID: ConsentTag]
    private var subjectKeys: [PersonID: SubjectKey]
    private var outcomes: [Result<ChangeOutcome, StorageError>] = []
    private var updated: [ConsentID: Consent] = [:]
    private var updatedOrder: [ConsentID] = []
    /// Claims still pending with their tokens: one a change completes or gives back is no longer, so
    /// a second change of the batch holding the same claim finds it lost, as it would in a later batch.
    private var pendingClaims: [IdempotencyRecordID: String] = [:]

    /// Consents the changes act on: the store loads these (locked for update).
    public static func consentIDs(in changes: [Change]) -> [ConsentID] {
        changes.compactMap { if case .act(let id, _, _) = $0.kind { id } else { nil } }
    }

    /// Banks that create consents: the store checks they are registered.
    public static func banks(in changes: [Change]) -> Set<OrgNumber> {
        Set(changes.compactMap { if case .create(let consent) = $0.kind { consent.bankOrg } else { nil } })
    }

    /// How many due consents the batch's sweeps settle at most.
    public static func sweepLimit(in changes: [Change]) -> Int {
        changes.reduce(0) { sum, change in if case .expireDue(let limit) = change.kind { sum + limit } else { sum } }
    }

    /// What the batch's retention sweeps ask for: consents that ended before the earliest of their
    /// moments, at most the sum of their limits; nil when the batch has none.
    public static func forgetting(in changes: [Change]) -> (endedBefore: Date, limit: Int)? {
        let sweeps = changes.compactMap { if case .forgetEnded(let before, let limit) = $0.kind { (before, limit) } else { nil } }
        guard let earliest = sweeps.map(\.0).min() else { return nil }
        return (earliest, sweeps.reduce(0) { $0 + max(0, $1.1) })
    }

    /// Keys the changes claim in this transaction: the store reads (and locks) their records.
    public static func claimedKeys(in changes: [Change]) -> [IdempotencyRecordID] {
        changes.compactMap { $0.claiming.map(IdempotencyRecordID.init) }
    }

    /// Claims the changes complete: the store reads their current tokens.
    public static func claims(in changes: [Change]) -> [IdempotencyRecordID] {
        changes.compactMap { $0.completing.map { IdempotencyRecordID($0.claim.key) } }
    }

    public init(_ changes: [Change], inputs: BatchInputs, at now: Date, signer: any CheckpointSigning) throws {
        startSize = inputs.size
        checkpoint = inputs.checkpoint
        consentTags = inputs.consentTags
        subjectKeys = inputs.subjectKeys
        pendingClaims = inputs.claimTokens
        var tree = try MerkleTreeBuilder(size: inputs.size, rightEdge: inputs.rightEdge)
        var consents = inputs.consents
        var due = inputs.due[...]
        var ended = inputs.ended[...]
        var records = inputs.claimRecords
        for change in changes {
            if let key = change.claiming, let earlier = records[IdempotencyRecordID(key)]?.outcome(for: key, now: now) {
                outcomes.append(Self.settled(earlier))
                continue
            }
            let outcome = try plan(change, inputs: inputs, consents: &consents, due: &due, ended: &ended, tree: &tree, now: now)
            if let key = change.claiming, case .success(let done) = outcome, done.refusal == nil, let consent = done.consent {
                let result = IdempotentResult.consentCreated(consent.id)
                claimed.append((key, result))
                records[IdempotencyRecordID(key)] = IdempotencyRecord(requestHash: key.requestHash, state: .done(result, at: now))
            }
            outcomes.append(outcome)
        }
        if appended {
            checkpoint = try signer.sign(size: size, rootHash: tree.root())
        }
    }

    /// A change whose key an earlier request holds: nothing happens but what that request did.
    private static func settled(_ earlier: IdempotencyOutcome) -> Result<ChangeOutcome, StorageError> {
        switch earlier {
        case .replay(let result): .success(ChangeOutcome(consent: nil, entries: [], refusal: nil, receipt: nil, replayed: result))
        case .inProgress, .proceed: .failure(.idempotencyInProgress)
        case .mismatch: .failure(.idempotencyMismatch)
        }
    }

    private mutating func plan(
        _ change: Change, inputs: BatchInputs, consents: inout [ConsentID: Consent], due: inout ArraySlice<Consent>,
        ended: inout ArraySlice<Consent>, tree: inout MerkleTreeBuilder, now: Date
    ) throws -> Result<ChangeOutcome, StorageError> {
        if let completing = change.completing {
            guard pendingClaims[IdempotencyRecordID(completing.claim.key)] == completing.claim.token else { return .failure(.idempotencyClaimLost) }
            // Completed or given back below, or left to the request when nothing happened: either way
            // no other change of this batch may finish it.
            pendingClaims[IdempotencyRecordID(completing.claim.key)] = nil
        }
        switch change.kind {
        case .create(let consent):
            guard inputs.registeredBanks.contains(consent.bankOrg) else { return .failure(.bankNotFound(consent.bankOrg)) }
            guard consents[consent.id] == nil else { throw StoreFailure.corrupt("consent \(consent.id) already exists") }
            consents[consent.id] = consent
            insertedConsents.append(consent)
            let tag = ConsentTag.random()
            consentTags[consent.id] = tag
            newConsentTags.append((consent.id, tag))
            let logged = try log(consent.requestDecision, tree: &tree, now: now)
            complete(change.completing, with: .consentCreated(consent.id))
            return .success(ChangeOutcome(consent: consent, entries: logged, refusal: nil, receipt: nil))
        case .act(let id, let viewer, let action):
            guard let stored = consents[id], viewer.sees(stored), !forgotten.contains(where: { $0.id == id }) else { return .failure(.consentNotFound) }
            let decision = stored.decide(action, at: now)
            consents[id] = decision.consent
            if decision.changesConsent { markUpdated(decision.consent) }
            let logged = try log(decision, tree: &tree, now: now)
            // Only a bundle request finishes a claim on an existing consent; a refused one gives it back.
            if let completing = change.completing {
                if decision.refusal != nil {
                    releases.append(completing.claim)
                } else if let issued = logged.first(where: { $0.type == .bundleIssued }) {
                    complete(completing, with: .bundleIssued(id, sealedBundle: completing.sealedBundle ?? [], logIndex: issued.index))
                }
            }
            return .success(ChangeOutcome(consent: decision.consent, entries: logged, refusal: decision.refusal, receipt: nil))
        case .expireDue(let limit):
            var logged: [AuditEntry] = []
            var expired = 0
            while expired < limit, let next = due.popFirst() {
                let decision = (consents[next.id] ?? next).decide(.settleExpiry, at: now)
                guard decision.changesConsent else { continue }
                consents[next.id] = decision.consent
                markUpdated(decision.consent)
                logged += try log(decision, tree: &tree, now: now)
                expired += 1
            }
            return .success(ChangeOutcome(consent: nil, entries: logged, refusal: nil, receipt: nil, expired: expired))
        case .forgetEnded(let endedBefore, let limit):
            var logged: [AuditEntry] = []
            var count = 0
            while count < limit, let next = ended.popFirst() {
                // As this batch left it: an act earlier in the batch may have logged a refusal, never revived it.
                let consent = consents[next.id] ?? next
                guard consent.status.isTerminal, consent.statusChangedAt < endedBefore, !forgotten.contains(where: { $0.id == consent.id }) else { continue }
                logged += try logForgotten(consent, tree: &tree, now: now)
                forgotten.append(consent)
                count += 1
            }
            return .success(ChangeOutcome(consent: nil, entries: logged, refusal: nil, receipt: nil, forgotten: count))
        }
    }

    private mutating func log(_ decision: ConsentDecision, tree: inout MerkleTreeBuilder, now: Date) throws -> [AuditEntry] {
        try decision.entries.map { draft in
            let entry = AuditEntry(index: size, time: now, consent: decision.consent, draft: draft)
            let (leaf, opening) = try seal(entry, of: decision.consent)
            try append(entry, leaf: leaf, opening: opening, to: &tree)
            return entry
        }
    }

    private mutating func append(_ entry: AuditEntry, leaf: [UInt8], opening: EntryOpening?, to tree: inout MerkleTreeBuilder) throws {
        // A tlog-tiles entry bundle prefixes each entry with a 16-bit length.
        guard leaf.count <= EntryBundle.maxEntryBytes else {
            throw StorageError.refused(.invalid("entry", "would be \(leaf.count) bytes; a log entry holds at most \(EntryBundle.maxEntryBytes)"))
        }
        let leafHash = MerkleHasher.leafHash(leaf)
        entries.append(LoggedEntry(entry: entry, leaf: leaf, leafHash: leafHash, opening: opening))
        nodes += tree.append(leafHash: leafHash)
    }

    /// The `consent.forgotten` entry of a consent with a public tag (SPEC §4): actor `system`, its
    /// subject tag made with the person's key (which the store may delete right after), its opening
    /// naming no one. A consent requested before v2 has no tag and gets none: its v1 entries name
    /// the person in clear and cannot be shredded.
    private mutating func logForgotten(_ consent: Consent, tree: inout MerkleTreeBuilder, now: Date) throws -> [AuditEntry] {
        guard let tag = consentTags[consent.id] else { return [] }
        let entry = AuditEntry(
            index: size, time: now, actor: .system, consentId: consent.id, personId: consent.terms.personId, bankOrg: consent.bankOrg,
            event: .forgotten
        )
        let sealed = try PublicEntry.seal(
            index: entry.index, time: now, privatePart: try PrivateEntryPart(actor: .system, parties: nil, event: .forgotten), consent: tag,
            subjectKey: subjectKey(of: consent.terms.personId)
        )
        try append(entry, leaf: try sealed.entry.leafBytes(), opening: sealed.opening, to: &tree)
        return [entry]
    }

    /// The leaf of `entry`: a v2 public entry and its opening for a consent with a tag (drawing the
    /// person's subject key at their first entry), a v1 entry for one requested before v2.
    private mutating func seal(_ entry: AuditEntry, of consent: Consent) throws -> (leaf: [UInt8], opening: EntryOpening?) {
        guard let tag = consentTags[consent.id] else { return (try entry.leafBytes(), nil) }
        let key = subjectKey(of: consent.terms.personId)
        let sealed = try PublicEntry.seal(index: entry.index, time: entry.time, privatePart: try entry.privatePart(), consent: tag, subjectKey: key)
        return (try sealed.entry.leafBytes(), sealed.opening)
    }

    /// The person's subject key, drawn at their first v2 entry.
    private mutating func subjectKey(of person: PersonID) -> SubjectKey {
        if let known = subjectKeys[person] { return known }
        let key = SubjectKey.random()
        subjectKeys[person] = key
        newSubjectKeys.append((person, key))
        return key
    }

    private mutating func markUpdated(_ consent: Consent) {
        if insertedConsents.contains(where: { $0.id == consent.id }) {
            insertedConsents = insertedConsents.map { $0.id == consent.id ? consent : $0 }
            return
        }
        if updated.updateValue(consent, forKey: consent.id) == nil { updatedOrder.append(consent.id) }
    }

    private mutating func complete(_ completing: IdempotencyCompletion?, with result: IdempotentResult) {
        if let completing { completions.append(Completion(claim: completing.claim, result: result)) }
    }

    /// The entry an outcome gets a receipt for: its `bundle.issued`, its `data.requested` (the
    /// proof a consent token carries), or the decision a bank or a citizen made (granted, denied,
    /// revoked, withdrawn).
    private static func receipted(_ outcome: ChangeOutcome) -> AuditEntry? {
        guard outcome.refusal == nil else { return nil }
        return outcome.entries.first { [.bundleIssued, .dataRequested, .consentGranted, .consentDenied, .consentRevoked, .consentWithdrawn].contains($0.type) }
    }

    /// The inclusion proof of every entry that gets a receipt, against the new size.
    /// A store runs it through `PrefetchedSubtrees` inside the same transaction, after the plan's
    /// nodes were written, so all receipts of a batch cost one read of stored nodes, and hands the
    /// result to `committed(proofs:)`.
    public func receiptProofs(from source: any SubtreeHashSource) throws -> [UInt64: [Hash]] {
        let indexes = outcomes.compactMap { (try? $0.get()).flatMap(Self.receipted)?.index }
        return try Dictionary(uniqueKeysWithValues: indexes.map { ($0, try MerkleTree.inclusionProof(index: $0, size: size, source: source)) })
    }

    /// The outcomes, each with the receipt of its `receipted` entry against the batch's checkpoint.
    public func committed(proofs: [UInt64: [Hash]]) throws -> CommittedBatch {
        let logged = Dictionary(uniqueKeysWithValues: entries.map { ($0.entry.index, $0) })
        return CommittedBatch(outcomes: try outcomes.map { outcome in
            guard case .success(let changed) = outcome, let issued = Self.receipted(changed), let checkpoint,
                let written = logged[issued.index]
            else { return outcome }
            guard let proof = proofs[issued.index] else { throw StoreFailure.corrupt("no inclusion proof for entry \(issued.index)") }
            let receipt = AuditReceipt(
                index: issued.index, entry: written.leaf, treeSize: size, inclusionProof: proof, checkpoint: checkpoint.note,
                opening: written.opening
            )
            return .success(ChangeOutcome(consent: changed.consent, entries: changed.entries, refusal: changed.refusal, receipt: receipt))
        }, checkpoint: checkpoint)
    }
}

extension Viewer {
    public func sees(_ consent: Consent) -> Bool {
        switch self {
        case .bank(let org): consent.bankOrg == org
        case .citizen(let person): consent.terms.personId == person
        }
    }
}
