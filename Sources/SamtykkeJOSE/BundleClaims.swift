import CanonicalJSON
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

    /// The claims as the JWS payload: the JSON `Codable` reads back into these claims (a test holds
    /// the two together), written as RFC 8785 canonical JSON from a value built here, because a bundle
    /// is signed on every request and `JSONEncoder` was most of the cost of signing one.
    public func payload() throws -> [UInt8] {
        try CanonicalJSON.encode(.object([
            "iss": .string(iss),
            "aud": .string(aud),
            "iat": try Self.number(iat),
            "jti": .string(jti),
            "consent": .object([
                "id": .string(consent.id),
                "personId": .string(consent.personId),
                "scopes": .array(consent.scopes.map { .string($0.rawValue) }),
                "years": .array(try consent.years.map(Self.number)),
                "purpose": .object(["code": .string(consent.purpose.code), "text": .string(consent.purpose.text)]),
                "grantedAt": .string(consent.grantedAt),
                "validUntil": .string(consent.validUntil),
            ]),
            "data": .object(try data.mapValues(Self.json)),
            "notAssessed": .array(try notAssessed.map(Self.number)),
            "source": .object(["agency": .string(source.agency), "fetchedAt": .string(source.fetchedAt), "sha256": .string(source.sha256)]),
        ]))
    }

    /// A year's figures; a scope the consent does not cover is absent, as `Codable` leaves a nil out.
    private static func json(_ year: TaxYear) throws -> JSONValue {
        var figures: [String: JSONValue] = [:]
        if let income = year.income {
            figures["income"] = .object([
                "wages": try number(income.wages), "pensions": try number(income.pensions),
                "capitalIncome": try number(income.capitalIncome), "total": try number(income.total),
            ])
        }
        if let debt = year.debt {
            figures["debt"] = .object([
                "studentLoan": try number(debt.studentLoan), "mortgage": try number(debt.mortgage),
                "consumerCredit": try number(debt.consumerCredit), "total": try number(debt.total),
            ])
        }
        if let wealth = year.wealth {
            figures["wealth"] = .object(["gross": try number(wealth.gross), "net": try number(wealth.net)])
        }
        return .object(figures)
    }

    /// A figure no bank's JSON reader would round, or an error rather than a rounded signed one.
    private static func number(_ value: Int) throws -> JSONValue {
        try JSONValue(integer: value)
    }
}
