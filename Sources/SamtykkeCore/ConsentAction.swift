/// Everything a party can ask of an existing consent. `Consent.decide(_:at:)` turns one into a
/// `ConsentDecision`, which storage then commits exactly as decided.
public enum ConsentAction: Sendable, Hashable {
    case grant(by: PersonID)
    case deny(by: PersonID)
    case revoke(by: PersonID)
    case withdraw(by: OrgNumber)
    /// Counts a use and records the issued bundle; refused (and the refusal logged) if the consent
    /// stopped being usable while the data was fetched.
    case issueBundle(BundleIssue, for: OrgNumber)
    /// A bundle request that could not be served after the consent check (the agency failed).
    case refuseBundle(reason: String, for: OrgNumber)
    /// The consent check before a fetch: refused (and the refusal logged) unless usable now.
    case requireUsable(for: OrgNumber)
    /// Logs a `data.requested` entry for the bank's fetch of the consent's scopes and years, before
    /// the agency is asked (SPEC §5); refused (and the refusal logged) unless usable now.
    case requestData(for: OrgNumber)
    /// Records expiry that came due, and nothing else.
    case settleExpiry
}
