import DevPKI
import Foundation
import MockTaxAgency
import SamtykkeCore
import SamtykkeJOSE

/// Plays the broker's part in minting consent tokens, with knobs for every way a token can be wrong.
struct ConsentTokenFactory: Sendable {
    static let bank = "123456785"
    /// The broker `iss` the agency under test is configured to expect.
    static let issuer = "urn:samtykke:test-broker"

    let signer: ES256Signer
    /// base64url(SHA-256(DER)) of the broker client certificate the tokens are bound to.
    let thumbprint: String

    init(pki: PKIPaths) throws {
        signer = try ES256Signer(privateKey: KeyFiles.p256(pki.bundleSigningKey.path))
        thumbprint = try KeyFiles.certificateSHA256(pki.brokerClientCertificate.path)
    }

    func token(
        for person: String,
        scopes: [Scope] = Scope.allCases,
        years: [Int] = [2023, 2024],
        issuer: String = ConsentTokenFactory.issuer,
        audience: String = MockTaxAgencyConfiguration.defaultAudience,
        issuedAt now: Date = Date(),
        boundTo thumbprint: String? = nil,
        signedBy signer: ES256Signer? = nil
    ) throws -> String {
        let terms = ConsentTerms(
            restoring: try PersonID(person), scopes: scopes, years: years,
            purpose: try Purpose(code: "loan-application", text: "Mortgage application"),
            validUntil: now.addingTimeInterval(86_400), maxUses: 3
        )
        let consent = try Consent(
            restoring: ConsentID(), bankOrg: try OrgNumber(Self.bank), terms: terms,
            createdAt: now.addingTimeInterval(-3600), requestExpiresAt: now.addingTimeInterval(86_400),
            status: .active, uses: 0, grantedAt: now.addingTimeInterval(-60), statusChangedAt: now.addingTimeInterval(-60)
        )
        let claims = ConsentTokenClaims(
            consent: consent, issuer: issuer, audience: audience,
            clientCertificateSHA256: thumbprint ?? self.thumbprint, now: now
        )
        return try (signer ?? self.signer).sign(claims, typ: ConsentTokenClaims.typ)
    }
}
