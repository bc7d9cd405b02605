import Foundation
import JWTKit
import SamtykkeCore

/// The claims of a signed bundle (SPEC §3): what was consented, the data, and where it came from.
public struct BundleClaims: JWTPayload, Sendable, Hashable {
    public static let typ = "samtykke-bundle+jwt"

    public struct ConsentFacts: Codable, Sendable, Hashable {
        public let id: String
        public let personId: String
        public let scopes: [Scope]
        public let years: [Int]
        public let purpose: Purpose
        public let grantedAt: String
        public let validUntil: String
    }

    public struct Source: Codable, Sendable, Hashable {
        public let agency: String
        public let fetchedAt: String
        /// Hex SHA-256 of the agency's response body exactly as received.
        public let sha256: String
    }

    public let iss: String
    /// The receiving bank's organisation number.
    public let aud: String
    public let iat: Int
    public let jti: String
    public let consent: ConsentFacts
    /// Per income year, only the granted scopes.
    public let data: [String: TaxYear]
    /// Requested years the agency has no assessment for.
    public let notAssessed: [Int]
    public let source: Source

    public init(issuer: String, bundleID: UUID, consent: Consent, data: TaxData, agency: String, fetchedAt: Date, sourceSHA256: String, now: Date) {
        self.iss = issuer
        self.aud = consent.bankOrg.digits
        self.iat = Int(now.timeIntervalSince1970)
        self.jti = bundleID.uuidString.lowercased()
        self.consent = ConsentFacts(
            id: consent.id.description,
            personId: consent.terms.personId.digits,
            scopes: consent.terms.scopes,
            years: consent.terms.years,
            purpose: consent.terms.purpose,
            grantedAt: consent.grantedAt.map(RFC3339.string(from:)) ?? "",
            validUntil: RFC3339.string(from: consent.terms.validUntil)
        )
        let kept = data.restricted(to: consent.terms.scopes, years: consent.terms.years)
        self.data = kept.years
        self.notAssessed = kept.notAssessed
        self.source = Source(agency: agency, fetchedAt: RFC3339.string(from: fetchedAt), sha256: sourceSHA256)
    }

    /// Claims are judged by whoever receives the bundle; the signature is what this type guarantees.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
