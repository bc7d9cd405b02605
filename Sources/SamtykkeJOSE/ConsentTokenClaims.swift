import CanonicalJSON
import Foundation
import JWTKit
import SamtykkeCore

/// The token the broker signs for one consent and presents to the tax agency (SPEC §5), shaped like
/// the Altinn 3 consent token: one `authorization_details` entry naming the person, the bank, and one
/// right per scope with the income years as metadata.
///
/// It is also bound to the broker's client certificate (RFC 8705 `cnf.x5t#S256`), so a token copied
/// off the wire is useless without the broker's TLS key.
public struct ConsentTokenClaims: JWTPayload, Sendable, Hashable {
    /// Its own media type (RFC 8725 §3.11): bundles and consent tokens share the broker's key, and
    /// the distinct `typ` is what stops one from being accepted as the other.
    public static let typ = "samtykke-consent+jwt"
    /// Altinn's cap on a consent token's life, and ours.
    public static let maxLifetime: TimeInterval = 60

    public struct AuthorizationDetail: Codable, Sendable, Hashable {
        public let type: String
        public let id: String
        public let from: String
        public let to: String
        public let consented: String
        public let validTo: String
        public let consentRights: [ConsentRight]
    }

    public struct ConsentRight: Codable, Sendable, Hashable {
        public let action: [String]
        public let resource: [Resource]
        public let metaData: [String: String]
    }

    public struct Resource: Codable, Sendable, Hashable {
        public let type: String
        public let value: String
    }

    public struct Confirmation: Codable, Sendable, Hashable {
        public let x5tS256: String
        enum CodingKeys: String, CodingKey { case x5tS256 = "x5t#S256" }
    }

    public let iss: String
    public let aud: String
    public let iat: Int
    public let exp: Int
    public let jti: String
    public let authorization_details: [AuthorizationDetail]
    public let cnf: Confirmation
    /// Release against the log (SPEC §5): `{proof, entry, opening}` of the `data.requested` entry
    /// the broker logged for this fetch. Absent when the broker does not release against the log.
    public let tlog: JSONValue?
    /// The consent's public tag (SPEC §4), which the logged entry must carry; with `tlog` only.
    public let consent_tag: String?

    static let personPrefix = "urn:altinn:person:identifier-no:"
    static let orgPrefix = "urn:altinn:organization:identifier-no:"

    /// The Altinn resource each scope maps to.
    public static func resource(for scope: Scope) -> String {
        switch scope {
        case .income: "ske-inntekt"
        case .debt: "ske-gjeld"
        case .wealth: "ske-formue"
        }
    }

    public init(
        consent: Consent, issuer: String, audience: String, clientCertificateSHA256: String, now: Date, lifetime: TimeInterval = 30,
        tlog: JSONValue? = nil, consentTag: ConsentTag? = nil
    ) {
        self.tlog = tlog
        self.consent_tag = consentTag?.description
        let years = consent.terms.years.map(String.init).joined(separator: ",")
        self.iss = issuer
        self.aud = audience
        self.iat = Int(now.timeIntervalSince1970)
        self.exp = iat + Int(min(lifetime, Self.maxLifetime))
        self.jti = UUID.randomVersion4().uuidString.lowercased()
        self.authorization_details = [
            AuthorizationDetail(
                type: "urn:altinn:consent",
                id: consent.id.description,
                from: Self.personPrefix + consent.terms.personId.digits,
                to: Self.orgPrefix + consent.bankOrg.digits,
                consented: RFC3339.string(from: consent.grantedAt ?? now),
                validTo: RFC3339.string(from: consent.terms.validUntil),
                consentRights: consent.terms.scopes.map { scope in
                    ConsentRight(
                        action: ["consent"],
                        resource: [Resource(type: "urn:altinn:resource", value: Self.resource(for: scope))],
                        metaData: ["inntektsaar": years]
                    )
                }
            )
        ]
        self.cnf = Confirmation(x5tS256: clientCertificateSHA256)
    }

    /// What the token lets its holder read.
    public struct Coverage: Sendable, Hashable {
        public let consentId: String
        public let personId: PersonID
        public let bankOrg: OrgNumber
        public let scopes: [Scope]
        public let years: [Int]
    }

    /// Checks issuer, audience and time window (with `skew` of leeway) and returns what the token covers.
    /// The issuer matters even though only the broker holds the signing key: the same key signs
    /// for every broker `iss` it is configured with, and a token is only good for the one it names.
    public func validate(issuer: String, audience: String, now: Date, skew: TimeInterval = 5) throws(JOSEError) -> Coverage {
        let t = Int(now.timeIntervalSince1970)
        guard iss == issuer else { throw .claim("iss is \(iss), expected \(issuer)") }
        guard aud == audience else { throw .claim("aud is \(aud), expected \(audience)") }
        guard exp > iat, Double(exp - iat) <= Self.maxLifetime else { throw .claim("token lives longer than \(Int(Self.maxLifetime)) s") }
        guard t < exp + Int(skew) else { throw .claim("token expired") }
        guard t + Int(skew) >= iat else { throw .claim("token issued in the future") }
        guard authorization_details.count == 1, let detail = authorization_details.first, detail.type == "urn:altinn:consent" else {
            throw .claim("expected exactly one urn:altinn:consent authorization detail")
        }
        guard detail.from.hasPrefix(Self.personPrefix), let person = try? PersonID(String(detail.from.dropFirst(Self.personPrefix.count))) else {
            throw .claim("from is not a person identifier")
        }
        guard detail.to.hasPrefix(Self.orgPrefix), let org = try? OrgNumber(String(detail.to.dropFirst(Self.orgPrefix.count))) else {
            throw .claim("to is not an organisation identifier")
        }
        guard let validTo = RFC3339.date(from: detail.validTo) else { throw .claim("validTo is not an RFC 3339 time") }
        guard validTo > now else { throw .claim("the consent's validTo has passed") }
        var scopes: [Scope] = []
        var years: Set<Int>?
        for right in detail.consentRights {
            guard right.action == ["consent"], right.resource.count == 1,
                let scope = Scope.allCases.first(where: { Self.resource(for: $0) == right.resource[0].value })
            else { throw .claim("a consent right names an unknown resource") }
            let yearTexts = (right.metaData["inntektsaar"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
            let parsed = yearTexts.compactMap { Int($0) }
            guard !parsed.isEmpty, parsed.count == yearTexts.count else { throw .claim("inntektsaar is not a list of income years") }
            let rightYears = Set(parsed)
            guard years == nil || years == rightYears else { throw .claim("income years differ between rights") }
            years = rightYears
            scopes.append(scope)
        }
        guard let years, !scopes.isEmpty else { throw .claim("the token grants no rights") }
        return Coverage(consentId: detail.id, personId: person, bankOrg: org, scopes: scopes.sorted(), years: years.sorted())
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
