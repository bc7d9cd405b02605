import Foundation
import SamtykkeCore

/// One request's part of a commit: what happens to which consent, and the `Idempotency-Key` claim
/// it finishes, if any.
public struct Change: Sendable {
    public enum Kind: Sendable {
        /// A new request from its bank (the bank must be registered).
        case create(Consent)
        /// An action on a consent `viewer` may see, decided by `Consent.decide(_:at:)` on the row
        /// as it stands inside the transaction.
        case act(ConsentID, by: Viewer, ConsentAction)
        /// Settles up to `limit` consents whose expiry came due, oldest first; other instances'
        /// sweeps skip rows this one holds.
        case expireDue(limit: Int)
        /// Forgets up to `limit` consents that became terminal before `endedBefore`, longest ended
        /// first (retention, SPEC §4): each leaves a `ForgottenConsent`, its openings are shredded
        /// and a `consent.forgotten` entry is logged for its tag. Other instances' sweeps skip rows
        /// this one holds.
        case forgetEnded(endedBefore: Date, limit: Int)
    }

    public let kind: Kind
    /// A claim taken earlier (a bundle request claims before it fetches), finished by this change
    /// when it succeeds and given back when the domain refuses it.
    public let completing: IdempotencyCompletion?
    /// A key claimed and finished inside this change's own transaction (a new consent request), so
    /// concurrent retries never see each other half-done: one creates, the rest replay it.
    public let claiming: IdempotencyKey?

    public init(_ kind: Kind, completing: IdempotencyCompletion? = nil) {
        self.kind = kind
        self.completing = completing
        self.claiming = nil
    }

    public init(_ kind: Kind, claiming: IdempotencyKey?) {
        self.kind = kind
        self.completing = nil
        self.claiming = claiming
    }
}

/// What a successful change leaves under its `Idempotency-Key` for a retry to find: a domain
/// result, never an HTTP answer.
public struct IdempotencyCompletion: Sendable, Hashable {
    public let claim: IdempotencyClaim
    /// For a bundle: the bundle sealed by the broker (encrypted), kept only until the record expires.
    public let sealedBundle: [UInt8]?

    public init(claim: IdempotencyClaim, sealedBundle: [UInt8]? = nil) {
        self.claim = claim
        self.sealedBundle = sealedBundle
    }
}
