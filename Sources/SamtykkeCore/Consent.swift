import Foundation

/// A bank's consent request and everything that happened to it since.
///
/// Status, uses and timestamps are `private(set)`: the methods below are the only way to change
/// them, each going through `ConsentStatus.next(on:)`, so no code path can put a consent into a
/// state SPEC §1 does not allow.
public struct Consent: Sendable, Hashable {
    public let id: ConsentID
    public let bankOrg: OrgNumber
    public let terms: ConsentTerms
    /// The bank's own id for the application, if it gave one: the bank's alone, never on the log.
    public let externalReference: ExternalReference?
    /// Where the consent page sends the citizen once they answered (SPEC §2b), one of the bank's
    /// registered redirect URIs; never on the log.
    public let redirectURL: RedirectURI?
    public let createdAt: Date
    /// When an unanswered request expires.
    public let requestExpiresAt: Date
    public private(set) var status: ConsentStatus
    /// Bundles issued so far.
    public private(set) var uses: Int
    public private(set) var grantedAt: Date?
    /// When the consent reached its current status.
    public private(set) var statusChangedAt: Date

    /// A new request from `bankOrg`, pending until the citizen answers.
    public init(
        id: ConsentID? = nil, bankOrg: OrgNumber, terms: ConsentTerms, externalReference: ExternalReference? = nil, redirectURL: RedirectURI? = nil,
        now: Date, policy: ConsentPolicy
    ) {
        self.id = id ?? ConsentID(madeAt: now)
        self.bankOrg = bankOrg
        self.terms = terms
        self.externalReference = externalReference
        self.redirectURL = redirectURL
        self.createdAt = now
        self.requestExpiresAt = min(now.addingTimeInterval(policy.requestTTL), terms.validUntil)
        self.status = .pending
        self.uses = 0
        self.grantedAt = nil
        self.statusChangedAt = now
    }

    /// Rebuilds a stored consent, refusing combinations no sequence of transitions could produce.
    public init(
        restoring id: ConsentID,
        bankOrg: OrgNumber,
        terms: ConsentTerms,
        externalReference: ExternalReference? = nil,
        redirectURL: RedirectURI? = nil,
        createdAt: Date,
        requestExpiresAt: Date,
        status: ConsentStatus,
        uses: Int,
        grantedAt: Date?,
        statusChangedAt: Date
    ) throws(DomainError) {
        let consistent: Bool
        switch status {
        case .pending, .denied: consistent = grantedAt == nil && uses == 0
        case .active: consistent = grantedAt != nil && uses < terms.maxUses
        case .revoked: consistent = grantedAt != nil && uses < terms.maxUses
        case .withdrawn: consistent = grantedAt != nil ? uses < terms.maxUses : uses == 0
        case .exhausted: consistent = grantedAt != nil && uses == terms.maxUses
        case .expired: consistent = grantedAt != nil ? uses < terms.maxUses : uses == 0
        }
        guard consistent, uses >= 0 else {
            throw DomainError(.invalid, field: "consent", reason: "stored consent \(id) is in an impossible state (\(status.rawValue), \(uses) uses)")
        }
        self.id = id
        self.bankOrg = bankOrg
        self.terms = terms
        self.externalReference = externalReference
        self.redirectURL = redirectURL
        self.createdAt = createdAt
        self.requestExpiresAt = requestExpiresAt
        self.status = status
        self.uses = uses
        self.grantedAt = grantedAt
        self.statusChangedAt = statusChangedAt
    }

    /// The moment this consent stops being usable without anyone acting, if it is still open.
    public var expiresAt: Date? {
        switch status {
        case .pending: requestExpiresAt
        case .active: terms.validUntil
        default: nil
        }
    }

    /// Applies expiry if its time has come. Callers settle a consent before acting on it so the log
    /// records `consent.expired` before whatever was attempted.
    public mutating func settle(at now: Date) -> ConsentTransition? {
        guard let expiresAt, now >= expiresAt else { return nil }
        return try? apply(.expire, at: now)
    }

    public mutating func grant(by citizen: PersonID, at now: Date) throws(DomainError) -> ConsentTransition {
        try requireSubject(citizen)
        try requireNotDue(at: now)
        let transition = try apply(.grant, at: now)
        grantedAt = now
        return transition
    }

    public mutating func deny(by citizen: PersonID, at now: Date) throws(DomainError) -> ConsentTransition {
        try requireSubject(citizen)
        try requireNotDue(at: now)
        return try apply(.deny, at: now)
    }

    public mutating func revoke(by citizen: PersonID, at now: Date) throws(DomainError) -> ConsentTransition {
        try requireSubject(citizen)
        try requireNotDue(at: now)
        return try apply(.revoke, at: now)
    }

    public mutating func withdraw(by bank: OrgNumber, at now: Date) throws(DomainError) -> ConsentTransition {
        guard bank == bankOrg else {
            throw DomainError(.notPermitted, field: "bankOrg", reason: "only the bank that asked may withdraw a consent")
        }
        try requireNotDue(at: now)
        return try apply(.withdraw, at: now)
    }

    /// Checks that a bundle may be issued now, without changing anything.
    public func checkUsable(at now: Date) throws(DomainError) {
        guard status == .active else {
            throw DomainError(.illegalTransition, field: "status", reason: "consent is \(status.rawValue), not active")
        }
        try requireNotDue(at: now)
    }

    /// Checks that the bank may be handed again a bundle it was issued (`ConsentStatus.allowsBundleReplay`),
    /// counting a consent whose time ran out as ended before the sweep has marked it so.
    public func checkReplayable(at now: Date) throws(DomainError) {
        guard status.allowsBundleReplay else {
            throw DomainError(.illegalTransition, field: "status", reason: "consent is \(status.rawValue); the bundle is no longer available")
        }
        try requireNotDue(at: now)
    }

    /// Counts one issued bundle; returns `exhaust` when that was the last allowed use.
    public mutating func recordUse(at now: Date) throws(DomainError) -> ConsentTransition? {
        try checkUsable(at: now)
        uses += 1
        guard uses == terms.maxUses else { return nil }
        return try apply(.exhaust, at: now)
    }

    private mutating func apply(_ event: ConsentEvent, at now: Date) throws(DomainError) -> ConsentTransition {
        guard let next = status.next(on: event) else {
            throw DomainError(.illegalTransition, field: "status", reason: "cannot \(event.rawValue) a consent that is \(status.rawValue)")
        }
        let transition = ConsentTransition(from: status, to: next, event: event)
        status = next
        statusChangedAt = now
        return transition
    }

    private func requireSubject(_ citizen: PersonID) throws(DomainError) {
        guard citizen == terms.personId else {
            throw DomainError(.notPermitted, field: "personId", reason: "only the person the consent names may answer it")
        }
    }

    private func requireNotDue(at now: Date) throws(DomainError) {
        if let expiresAt, now >= expiresAt {
            throw DomainError(.illegalTransition, field: "status", reason: "consent expired at \(RFC3339.string(from: expiresAt))")
        }
    }
}
