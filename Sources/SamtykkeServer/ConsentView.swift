import SamtykkeCore

/// A consent as the API shows it (SPEC §2).
struct ConsentView: Encodable {
    let id: String
    let bankOrg: String
    let personId: String
    let scopes: [Scope]
    let years: [Int]
    let purpose: Purpose
    let validUntil: String
    let maxUses: Int
    let uses: Int
    let status: ConsentStatus
    let createdAt: String
    let requestExpiresAt: String
    let grantedAt: String?
    let statusChangedAt: String

    init(_ consent: Consent) {
        id = consent.id.description
        bankOrg = consent.bankOrg.digits
        personId = consent.terms.personId.digits
        scopes = consent.terms.scopes
        years = consent.terms.years
        purpose = consent.terms.purpose
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

struct ConsentList: Encodable {
    let consents: [ConsentView]
}
