/// Where a consent is in its life. `denied`, `revoked`, `withdrawn`, `expired` and `exhausted` are terminal.
public enum ConsentStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case active
    case denied
    case revoked
    case withdrawn
    case expired
    case exhausted

    public var isTerminal: Bool {
        switch self {
        case .pending, .active: false
        case .denied, .revoked, .withdrawn, .expired, .exhausted: true
        }
    }

    /// Whether the bank may still be handed a bundle it was issued (a retry under the same
    /// `Idempotency-Key`): while the consent is in force, and after the use that exhausted it, whose
    /// answer may have been lost; never once the citizen revoked, the bank withdrew or time ran out.
    public var allowsBundleReplay: Bool {
        self == .active || self == .exhausted
    }

    /// The one table of legal transitions (SPEC §1). Everything not listed is illegal.
    public func next(on event: ConsentEvent) -> ConsentStatus? {
        switch (self, event) {
        case (.pending, .grant): .active
        case (.pending, .deny): .denied
        case (.pending, .expire): .expired
        case (.pending, .withdraw): .withdrawn
        case (.active, .revoke): .revoked
        case (.active, .expire): .expired
        case (.active, .exhaust): .exhausted
        case (.active, .withdraw): .withdrawn
        default: nil
        }
    }
}

/// What can happen to a consent.
public enum ConsentEvent: String, Sendable, Hashable, CaseIterable {
    case grant
    case deny
    case revoke
    /// The bank no longer needs the data (SPEC §1): its own act, on a pending or an active consent.
    case withdraw
    /// The request's TTL or the consent's `validUntil` passed.
    case expire
    /// The last allowed use was spent.
    case exhaust
}

/// One step of the state machine, for the log.
public struct ConsentTransition: Sendable, Hashable {
    public let from: ConsentStatus
    public let to: ConsentStatus
    public let event: ConsentEvent
}
