import Foundation

/// What the domain decided about one consent: its new state, the entries to log, and whether the
/// action itself was refused. A refusal is committed as surely as a success: expiry that came due
/// and a logged `bundle.refused` are part of the decision, not an error path.
public struct ConsentDecision: Sendable, Hashable {
    public let consent: Consent
    public let entries: [AuditEntry.Draft]
    /// Why the action did not happen; nil when it did.
    public let refusal: DomainError?

    /// Whether the stored consent row changes.
    public let changesConsent: Bool
}

extension Consent {
    /// A new request and its `consent.requested` entry.
    public var requestDecision: ConsentDecision {
        ConsentDecision(
            consent: self,
            entries: [AuditEntry.Draft(.bank(bankOrg), .requested(LogEvent.RequestedTerms(self)))],
            refusal: nil,
            changesConsent: true
        )
    }

    /// Applies `action` at `now`, first settling any expiry that came due so the log shows when the
    /// consent really ended. The one place that turns a request into state changes and entries.
    public func decide(_ action: ConsentAction, at now: Date) -> ConsentDecision {
        var consent = self
        var entries: [AuditEntry.Draft] = []
        var changed = false
        if let expiry = consent.settle(at: now) {
            entries.append(AuditEntry.Draft(.system, .transitioned(expiry, uses: nil)))
            changed = true
        }
        func refused(_ error: DomainError, loggingFor bank: OrgNumber? = nil) -> ConsentDecision {
            if let bank { entries.append(AuditEntry.Draft(.bank(bank), .bundleRefused(reason: error.reason))) }
            return ConsentDecision(consent: consent, entries: entries, refusal: error, changesConsent: changed)
        }
        do throws(DomainError) {
            switch action {
            case .grant(let person):
                entries.append(AuditEntry.Draft(.citizen(person), .transitioned(try consent.grant(by: person, at: now), uses: nil)))
            case .deny(let person):
                entries.append(AuditEntry.Draft(.citizen(person), .transitioned(try consent.deny(by: person, at: now), uses: nil)))
            case .revoke(let person):
                entries.append(AuditEntry.Draft(.citizen(person), .transitioned(try consent.revoke(by: person, at: now), uses: nil)))
            case .withdraw(let bank):
                entries.append(AuditEntry.Draft(.bank(bank), .transitioned(try consent.withdraw(by: bank, at: now), uses: nil)))
            case .issueBundle(var issue, let bank):
                let exhausted: ConsentTransition?
                do throws(DomainError) {
                    exhausted = try consent.recordUse(at: now)
                } catch {
                    return refused(error, loggingFor: bank)
                }
                issue.use = consent.uses
                entries.append(AuditEntry.Draft(.bank(bank), .bundleIssued(issue)))
                if let exhausted { entries.append(AuditEntry.Draft(.system, .transitioned(exhausted, uses: consent.uses))) }
            case .refuseBundle(let reason, let bank):
                entries.append(AuditEntry.Draft(.bank(bank), .bundleRefused(reason: reason)))
                return ConsentDecision(consent: consent, entries: entries, refusal: nil, changesConsent: changed)
            case .requireUsable(let bank):
                do throws(DomainError) {
                    try consent.checkUsable(at: now)
                } catch {
                    return refused(error, loggingFor: bank)
                }
                return ConsentDecision(consent: consent, entries: entries, refusal: nil, changesConsent: changed)
            case .requestData(let bank):
                do throws(DomainError) {
                    try consent.checkUsable(at: now)
                } catch {
                    return refused(error, loggingFor: bank)
                }
                entries.append(AuditEntry.Draft(.bank(bank), .dataRequested(scopes: consent.terms.scopes, years: consent.terms.years)))
                return ConsentDecision(consent: consent, entries: entries, refusal: nil, changesConsent: changed)
            case .settleExpiry:
                return ConsentDecision(consent: consent, entries: entries, refusal: nil, changesConsent: changed)
            }
        } catch {
            return refused(error)
        }
        return ConsentDecision(consent: consent, entries: entries, refusal: nil, changesConsent: true)
    }
}
