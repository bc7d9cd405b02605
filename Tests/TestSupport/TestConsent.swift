import Foundation
import SamtykkeCore
import SamtykkeJOSE

/// A valid consent made by the product's own rules (terms checked against the default policy), and
/// the consent token the broker would sign for it: what unit tests, the agency's tests and the
/// benchmarks need without a broker. A caller states only what its assertions depend on.
public enum TestConsent {
    /// A pending request of `bank` to `person`.
    public static func pending(
        person: PersonID, bank: OrgNumber, scopes: [Scope] = [.income, .debt], years: [Int] = [2023, 2024], purpose: String = "Mortgage",
        validFor: TimeInterval = 86_400, maxUses: Int = 3, now: Date = Date()
    ) throws -> Consent {
        let terms = try ConsentTerms(
            personId: person, scopes: scopes, years: years, purpose: try Purpose(code: "loan-application", text: purpose),
            validUntil: now.addingTimeInterval(validFor), maxUses: maxUses, now: now, policy: ConsentPolicy()
        )
        return Consent(bankOrg: bank, terms: terms, now: now, policy: ConsentPolicy())
    }

    /// The same request, granted by its citizen at `grantedAt` (`now` unless given).
    public static func active(
        person: PersonID, bank: OrgNumber, scopes: [Scope] = [.income, .debt], years: [Int] = [2023, 2024], purpose: String = "Mortgage",
        validFor: TimeInterval = 86_400, maxUses: Int = 3, now: Date = Date(), grantedAt: Date? = nil
    ) throws -> Consent {
        var consent = try pending(
            person: person, bank: bank, scopes: scopes, years: years, purpose: purpose, validFor: validFor, maxUses: maxUses, now: now
        )
        _ = try consent.grant(by: person, at: grantedAt ?? now)
        return consent
    }

    /// A consent token (SPEC §5) for `consent`, signed as the broker signs one.
    public static func token(
        for consent: Consent, signer: ES256Signer, issuer: String, audience: String, clientCertificateSHA256: String, now: Date = Date(),
        lifetime: TimeInterval = 30
    ) throws -> String {
        let claims = ConsentTokenClaims(
            consent: consent, issuer: issuer, audience: audience, clientCertificateSHA256: clientCertificateSHA256, now: now, lifetime: lifetime
        )
        return try signer.sign(claims, typ: ConsentTokenClaims.typ)
    }
}
