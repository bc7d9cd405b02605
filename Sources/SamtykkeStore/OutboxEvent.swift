import Foundation
import SamtykkeCore

/// What a bank hears about one change of its consents (SPEC §2a): written by the commit that makes
/// the change, read by the events feed and carried by webhooks. Every field follows from the log
/// entry, so the event and the entry can never disagree.
public struct OutboxEvent: Sendable, Hashable {
    public let id: EventID
    public let type: AuditEntry.EntryType
    public let timestamp: Date
    public let bankOrg: OrgNumber
    public let consentId: ConsentID
    /// The consent's status once this entry's change is made.
    public let status: ConsentStatus
    /// The bank's reference for the consent, read from the consent when the event is: the one thing
    /// an event carries that is not on the log, which must not hold it.
    public var externalReference: ExternalReference?

    /// Every type an event can have: what an endpoint may filter on.
    public static let types: [AuditEntry.EntryType] = AuditEntry.EntryType.allCases.filter {
        ![.bundleRefused, .dataRequested, .consentForgotten].contains($0)
    }

    /// The log entry behind the event: its index orders the feed.
    public var logIndex: UInt64 { id.logIndex }

    public init(
        id: EventID, type: AuditEntry.EntryType, timestamp: Date, bankOrg: OrgNumber, consentId: ConsentID, status: ConsentStatus,
        externalReference: ExternalReference? = nil
    ) {
        self.id = id
        self.type = type
        // The log's precision: an event read back from either database equals the one written.
        self.timestamp = timestamp.roundedToMilliseconds
        self.bankOrg = bankOrg
        self.consentId = consentId
        self.status = status
        self.externalReference = externalReference
    }

    /// The event an entry announces; nil for `bundle.refused` and `data.requested`, which change
    /// nothing a bank acts on, and `consent.forgotten`, after which the bank's events are gone.
    public init?(_ entry: AuditEntry) {
        let status: ConsentStatus
        switch entry.event {
        case .requested: status = .pending
        case .transitioned(let transition, _): status = transition.to
        // A bundle is only issued while the consent is active; a last use is its own `consent.exhausted`.
        case .bundleIssued: status = .active
        case .bundleRefused, .dataRequested, .forgotten: return nil
        }
        self.init(
            id: EventID(logIndex: entry.index), type: entry.type, timestamp: entry.time,
            bankOrg: entry.bankOrg, consentId: entry.consentId, status: status
        )
    }
}
