import SamtykkeCore

/// `POST /v1/consents`: what a bank asks for (SPEC §2). Declared once: clients encode it, the broker
/// decodes every request through it (refusing members it does not declare), and a test holds it to
/// `openapi.json`'s `ConsentRequest` schema.
public struct ConsentRequest: Codable, Sendable, Hashable {
    public let personId: String
    public let scopes: [Scope]
    public let years: [Int]
    public let purpose: ConsentView.Purpose
    public let validUntil: String
    public let maxUses: Int
    public let externalReference: String?
    public let redirectUrl: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case personId, scopes, years, purpose, validUntil, maxUses, externalReference, redirectUrl
    }

    public init(
        personId: String, scopes: [Scope], years: [Int], purpose: ConsentView.Purpose, validUntil: String, maxUses: Int,
        externalReference: String? = nil, redirectUrl: String? = nil
    ) {
        self.personId = personId
        self.scopes = scopes
        self.years = years
        self.purpose = purpose
        self.validUntil = validUntil
        self.maxUses = maxUses
        self.externalReference = externalReference
        self.redirectUrl = redirectUrl
    }
}
