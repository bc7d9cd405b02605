import Foundation
import SamtykkeCore
import TransparencyLog

/// Everything the broker keeps, by concern. The server and the command line see only these
/// protocols; `SQLiteStore` (embedded, the default) and `PostgresStore` (several instances) are the
/// two implementations, and one contract suite holds both to the same behaviour.
public typealias Store = ConsentStore & PartyStore & BankKeyStore & ReplayStore & CitizenSessionStore & RedirectURIStore & LogStore & OpeningStore & EventStore & WebhookStore & DeliveryStore & IdempotencyStore & RetentionStore & ChangeCommitting & StoreHealth

/// Banks, auditors and their keys. Registering a party writes no log entry.
public protocol PartyStore: Sendable {
    /// Registers a bank and issues its first API key.
    func addBank(org: OrgNumber, name: String, now: Date) async throws -> APIKey
    /// Issues another key for a registered bank (rotation: the old one works until revoked).
    func addBankKey(org: OrgNumber, now: Date) async throws -> APIKey
    /// Revokes a live key of `role` by its public id; false when no live key of that role has it,
    /// so revoking a bank's key can never end an auditor's, nor the other way round.
    func revokeKey(id: String, role: APIKey.Role, now: Date) async throws -> Bool
    /// A bank's live keys: ids and when they were issued, never secrets (none are stored).
    func bankKeys(org: OrgNumber) async throws -> [KeyListing]
    /// Registers a read-only auditor and issues its key.
    func addAuditor(name: String, now: Date) async throws -> APIKey
    /// Every auditor key, live or revoked, with its auditor's name, in the order issued; never a secret.
    func auditorKeys() async throws -> [AuditorKeyListing]
    /// The live (unrevoked) key with this public id, as stored; `authenticate` decides what it proves.
    func liveKey(id: String) async throws -> StoredAPIKey?
    /// Registered banks' names, for texts shown to citizens.
    func bankNames() async throws -> [OrgNumber: String]
}

/// Reading consents. Every change goes through `ChangeCommitting`.
public protocol ConsentStore: Sendable {
    /// One consent as `viewer` may see it; anyone else's is `consentNotFound`, like a missing one.
    /// One the retention sweep forgot is `consentForgotten` to its bank and to the citizen it named.
    func consent(_ id: ConsentID, for viewer: Viewer) async throws -> Consent
    /// A page of the consents `viewer` may see. Forgotten ones are no longer listed, but a cursor
    /// (`after`) that was forgotten between two pages still places the next one.
    func consents(_ query: ConsentQuery) async throws -> [Consent]
}

/// Reading the consent log: entries, the head, and the stored perfect-subtree hashes behind roots
/// and proofs.
public protocol LogStore: Sendable {
    func logEntries(_ query: LogQuery) async throws -> [StoredEntry]
    /// The stored entries from `start` on, up to `count` of them, written as their entry bundle
    /// (`EntryBundleWriter.appendStored`); fewer when the log holds fewer.
    func entryBundle(start: UInt64, count: Int) async throws -> EntryBundleWriter
    /// The size and newest signed checkpoint. Never writes.
    func logHead() async throws -> LogHead
    /// Stored perfect-subtree hashes, in one round trip; a missing node is `corrupt`.
    func subtreeHashes(_ nodes: [SubtreeCoordinate]) async throws -> [SubtreeCoordinate: Hash]
    /// The hashes of `count` perfect subtrees at `level` from `first` on (a hash tile), in order, as
    /// one range read; a missing node is `corrupt`.
    func subtreeHashes(level: Int, first: UInt64, count: Int) async throws -> [Hash]
}

/// The outbox: events the commits wrote beside their entries (`BatchPlan.events`), for the feed
/// and for webhooks.
public protocol EventStore: Sendable {
    /// A page of one bank's events, in log order. Log indexes are handed out under the head lock
    /// and committed in that order, so a page never skips an event that commits later.
    func events(_ query: EventQuery) async throws -> [OutboxEvent]
}

/// Banks' webhook endpoints. Registering or removing one writes no log entry.
public protocol WebhookStore: Sendable {
    /// Registers `webhook`; its bank must be registered (`bankNotFound`).
    func addWebhook(_ webhook: Webhook) async throws
    /// A bank's endpoints, oldest first.
    func webhooks(of bank: OrgNumber) async throws -> [Webhook]
    /// Removes one of `bank`'s endpoints; false when it has none with that id (another bank's included).
    func removeWebhook(id: String, of bank: OrgNumber) async throws -> Bool
    /// Sends only events of `types` to one of `bank`'s endpoints from now on (empty: every type);
    /// the endpoint as it now is, nil when `bank` has none with that id.
    func setEventTypes(_ types: Set<AuditEntry.EntryType>, webhook: String, of bank: OrgNumber) async throws -> Webhook?
    /// Makes `sealedSecret` the secret of one of `bank`'s endpoints and its current one the
    /// previous, signing beside it until `previousUntil` (one rotated out before is dropped); false
    /// when `bank` has no endpoint with that id.
    func rotateSecret(webhook: String, of bank: OrgNumber, to sealedSecret: [UInt8], previousUntil: Date) async throws -> Bool
}

/// `Idempotency-Key` claims. The claim is its own short transaction; completing it belongs to the
/// change it guards (`Change.completing`), releasing it to a failure a retry may cure.
public protocol IdempotencyStore: Sendable {
    func claim(_ key: IdempotencyKey, now: Date) async throws -> IdempotencyOutcome
    /// Gives the key back if `claim` still holds it: the request did nothing a retry must not repeat.
    func release(_ claim: IdempotencyClaim) async throws
    /// Deletes finished and abandoned records older than `before`. Returns how many went.
    func pruneIdempotency(before: Date) async throws -> Int
}

/// Retention: some time after a consent became terminal it is forgotten (`Change.Kind.forgetEnded`,
/// committed like any change because it logs `consent.forgotten`): its personal data leaves the
/// live tables and its entries' openings are shredded. Leaves, Merkle nodes and checkpoints are
/// never touched.
public protocol RetentionStore: Sendable {
    /// What is left of a forgotten consent, for its bank or for the citizen its log entries name;
    /// nil for anyone else and for a consent that was never forgotten.
    func forgottenConsent(_ id: ConsentID, for viewer: Viewer) async throws -> ForgottenConsent?
}

/// The one way to change anything a log entry records: a batch of changes, their entries, the
/// Merkle nodes and one signed checkpoint, in one transaction with one durable commit.
///
/// Implementations do not decide anything themselves: under their locks they load `BatchInputs`
/// (what `BatchPlan.consentIDs/banks/sweepLimit/claims(in:)` name, the head and its right edge),
/// build a `BatchPlan`, write its rows, prove its receipts (`receiptProofs`) and return `committed(proofs:)`.
public protocol ChangeCommitting: Sendable {
    /// Commits `changes` in order, at `now`, and signs the new tree head with `signer`. A change the
    /// domain refused, or that names a consent the caller may not see, is an outcome, not a thrown
    /// error; a thrown error means nothing of the batch was written, `uses` included.
    ///
    /// `uses` are recorded in the same transaction as `ReplayStore.useOnce` records them, after the
    /// batch's locks and before its plan, so that a DPoP call's `jti` costs no durable commit of its
    /// own (`LogSequencer`); their answers are the batch's `firstUses`, in order.
    func commit(_ changes: [Change], recording uses: [SingleUse], at now: Date, signer: any CheckpointSigning) async throws -> CommittedBatch
}

extension ChangeCommitting {
    /// Changes alone.
    public func commit(_ changes: [Change], at now: Date, signer: any CheckpointSigning) async throws -> CommittedBatch {
        try await commit(changes, recording: [], at: now, signer: signer)
    }
}

public protocol StoreHealth: Sendable {
    /// Checks the database answers a query: for `/readyz`.
    func ping() async throws
    /// Brings the schema up to date; safe to call from every instance at every start. A schema it
    /// cannot bring up to date is a `StoreFailure` of kind `schema`, which no retry cures.
    func migrate() async throws
}

/// One auditor's key as `auditor list` shows it.
public struct AuditorKeyListing: Sendable, Hashable {
    public let auditor: String
    public let id: String
    public let createdAt: Date
    public let revokedAt: Date?

    public init(auditor: String, id: String, createdAt: Date, revokedAt: Date?) {
        self.auditor = auditor
        self.id = id
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

extension PartyStore {
    /// Revokes the live keys of the auditor called `nameOrKeyID`, or else the live auditor key with
    /// that id; the auditor's name, nil when neither matches a live key. Running brokers refuse a
    /// revoked key within a second, as they do a bank's.
    public func revokeAuditor(_ nameOrKeyID: String, now: Date) async throws -> String? {
        let live = try await auditorKeys().filter { $0.revokedAt == nil }
        let byName = live.filter { $0.auditor == nameOrKeyID }
        let matching = byName.isEmpty ? live.filter { $0.id == nameOrKeyID } : byName
        var revoked: String?
        for key in matching where try await revokeKey(id: key.id, role: .auditor, now: now) { revoked = key.auditor }
        return revoked
    }
}

/// A live API key as listed to an operator.
public struct KeyListing: Sendable, Hashable {
    public let id: String
    public let createdAt: Date

    public init(id: String, createdAt: Date) {
        self.id = id
        self.createdAt = createdAt
    }
}
