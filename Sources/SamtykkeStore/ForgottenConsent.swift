import Foundation
import SamtykkeCore

/// What the live tables keep of a consent once its retention period ran out: that it existed, whose
/// request it was and how it ended, and nothing that names or describes the person it was about (no
/// person id, no purpose, no terms). It is not a `Consent`, which cannot be without a person; its
/// history stays on the consent log, which is never altered.
public struct ForgottenConsent: Sendable, Hashable {
    public let id: ConsentID
    public let bankOrg: OrgNumber
    /// The terminal status it ended in.
    public let status: ConsentStatus
    public let createdAt: Date
    /// When it became terminal: its last `statusChangedAt`, from which the retention period ran.
    public let endedAt: Date
    /// When the retention sweep removed its personal data.
    public let forgottenAt: Date

    public init(id: ConsentID, bankOrg: OrgNumber, status: ConsentStatus, createdAt: Date, endedAt: Date, forgottenAt: Date) {
        self.id = id
        self.bankOrg = bankOrg
        self.status = status
        self.createdAt = createdAt.roundedToMilliseconds
        self.endedAt = endedAt.roundedToMilliseconds
        self.forgottenAt = forgottenAt.roundedToMilliseconds
    }

    /// A stored row, re-validated as both backends read it: a row no sweep could have written is `corrupt`.
    public init(id: String, bankOrg: String, status: String, createdAt: Date, endedAt: Date, forgottenAt: Date) throws(StoreFailure) {
        guard let consentID = try? ConsentID(id), let org = try? OrgNumber(bankOrg), let ended = ConsentStatus(rawValue: status), ended.isTerminal else {
            throw StoreFailure.corrupt("the forgotten consent \(id) is not one the retention sweep could have left")
        }
        self.init(id: consentID, bankOrg: org, status: ended, createdAt: createdAt, endedAt: endedAt, forgottenAt: forgottenAt)
    }

    /// The statuses a consent may be forgotten in, as SQL, for the sweep's query and its index.
    public static let terminalStatusesSQL = "('denied', 'revoked', 'withdrawn', 'expired', 'exhausted')"
}
