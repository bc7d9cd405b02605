import SamtykkeCore

/// A consent as the API shows it (SPEC §2): what the broker encodes and what banks and citizens
/// decode, one declaration for both.
public struct ConsentView: Codable, Sendable, Hashable {
    /// The purpose exactly as stored, not re-validated on the way in: a row stored before the broker
    /// refused hidden characters still holds them, and a client must be able to read it to show it
    /// escaped (`SamtykkeCore.Purpose` would refuse it).
    public struct Purpose: Codable, Sendable, Hashable {
        public let code: String
        public let text: String

        /// Every member a purpose has: a request's purpose with any other is refused.
        public enum CodingKeys: String, CodingKey, CaseIterable {
            case code, text
        }

        public init(code: String, text: String) {
            self.code = code
            self.text = text
        }
    }

    /// Who a view is for: the bank that asked sees its own reference, the citizen the bank's name.
    public enum Audience: Sendable {
        case bank
        case citizen(bankName: String?)
    }

    public let id: String
    public let bankOrg: String
    /// The bank's registered name, in the citizen's views: an organisation number alone tells a
    /// person nothing about who is asking.
    public let bankName: String?
    public let personId: String
    public let scopes: [Scope]
    public let years: [Int]
    public let purpose: Purpose
    public let validUntil: String
    public let maxUses: Int
    public let uses: Int
    public let status: ConsentStatus
    public let createdAt: String
    public let requestExpiresAt: String
    public let grantedAt: String?
    public let statusChangedAt: String
    /// The bank's own id for the application, in the bank's views only: never shown to the citizen.
    public let externalReference: String?
    /// Where the consent page sends the citizen back to once they answered, in the bank's views only.
    public let redirectUrl: String?
    /// The consent page to send the citizen to (SPEC §2b): the broker's public URL and `/consent/{id}`.
    public let viewUri: String?
    /// On the answer to a citizen's grant, deny or revoke only: the receipt of the entry it wrote,
    /// with its opening (SPEC §2).
    public var auditReceipt: BundleAnswer.Receipt?

    /// `publicBase`: the broker's public URL without a trailing slash, the base of `viewUri`.
    public init(_ consent: Consent, for audience: Audience, publicBase: String? = nil) {
        id = consent.id.description
        viewUri = publicBase.map { "\($0)/consent/\(consent.id)" }
        bankOrg = consent.bankOrg.digits
        switch audience {
        case .bank:
            bankName = nil
            externalReference = consent.externalReference?.text
            redirectUrl = consent.redirectURL?.text
        case .citizen(let name):
            bankName = name
            externalReference = nil
            redirectUrl = nil
        }
        personId = consent.terms.personId.digits
        scopes = consent.terms.scopes
        years = consent.terms.years
        purpose = Purpose(code: consent.terms.purpose.code, text: consent.terms.purpose.text)
        validUntil = RFC3339.string(from: consent.terms.validUntil)
        maxUses = consent.terms.maxUses
        uses = consent.uses
        status = consent.status
        createdAt = RFC3339.string(from: consent.createdAt)
        requestExpiresAt = RFC3339.string(from: consent.requestExpiresAt)
        grantedAt = consent.grantedAt.map(RFC3339.string(from:))
        statusChangedAt = RFC3339.string(from: consent.statusChangedAt)
    }
}
