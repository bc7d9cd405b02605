import CanonicalJSON
import Crypto
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import TestSupport
import Testing

/// The bundle's payload is written by hand (`BundleClaims.payload()`), not by `JSONEncoder`: it must
/// say exactly what the claims say, in the JSON a bank's `Codable` or JOSE library reads back.
@Suite(.sameOnEveryBackend) struct BundleClaimsTests {
    static let now = Date(timeIntervalSince1970: 1_900_000_000)
    static let person = try! PersonID("24859045681")

    /// Claims of a granted consent over `scopes` and two years, one of them not assessed, and a
    /// purpose text with what JSON must escape.
    static func claims(scopes: [Scope], wages: Int = 612_000) throws -> BundleClaims {
        let consent = try TestConsent.active(
            person: person, bank: try OrgNumber("923609016"), scopes: scopes, purpose: "Boliglån \"Fjordhytta\" – søknad \\ 2024 ✓", now: now,
            grantedAt: now.addingTimeInterval(5)
        )
        let year = TaxYear(
            income: .init(wages: wages, pensions: 0, capitalIncome: 1_250),
            debt: .init(studentLoan: 210_000, mortgage: 2_950_000, consumerCredit: 0),
            wealth: .init(gross: 3_400_000, net: -1_200)
        )
        let data = TaxData(personId: person, years: ["2024": year, "2023": year], notAssessed: [2023, 2022])
        return BundleClaims(
            issuer: "https://broker.test.invalid", bundleID: UUID(), consent: consent, data: data, agency: "https://agency.test.invalid",
            fetchedAt: now.addingTimeInterval(6), sourceSHA256: String(repeating: "ab", count: 32), now: now.addingTimeInterval(6)
        )
    }

    @Test(arguments: [[Scope.income, .debt, .wealth], [.debt], [.wealth, .income]])
    func thePayloadReadsBackAsTheClaims(scopes: [Scope]) throws {
        let claims = try Self.claims(scopes: scopes)
        let payload = try claims.payload()
        #expect(try JSONDecoder().decode(BundleClaims.self, from: Data(payload)) == claims)
        // The same JSON value `JSONEncoder` writes: no member more or less, a scope left out absent.
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(claims))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(payload)) == encoded)
    }

    @Test func aFigureNoJSONReaderHoldsExactlyIsRefusedNotRounded() throws {
        // 2^53 + 1 rounds to 2^53 as a double; the wages and the total it makes both say so.
        let error = try #require(throws: CanonicalJSONError.self) { try Self.claims(scopes: [.income], wages: 9_007_199_254_740_993).payload() }
        guard case .inexactInteger(let figure) = error else { Issue.record("\(error)"); return }
        #expect(figure > JSONValue.maxExactInteger)
        // The largest exact one passes: capital income 1,250 brings the total to it.
        #expect(try Self.claims(scopes: [.income], wages: JSONValue.maxExactInteger - 1_250).payload().count > 0)
    }

    /// A compact JWS any library reads: the header names ES256, the key and the type, and the
    /// signature is over the first two parts with the signer's public key.
    @Test func aSignedBundleIsACompactJWSOfThePayload() async throws {
        let key = P256.Signing.PrivateKey()
        let signer = ES256Signer(privateKey: key)
        let claims = try Self.claims(scopes: [.income])
        let payload = try claims.payload()
        let jws = try signer.sign(bundle: claims)
        let parts = jws.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3)
        let header = try JSONDecoder().decode([String: String].self, from: Data(try #require(Base64URL.decode(parts[0]))))
        #expect(header == ["alg": "ES256", "kid": signer.kid, "typ": BundleClaims.typ])
        #expect(Base64URL.decode(parts[1]) == payload)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Base64URL.decode(parts[2])))
        #expect(key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)))
        // And what a bank's JOSE library (jwt-kit here) makes of it, from the published key alone.
        let verifier = try await JWSVerifier(jwks: JWKSet(keys: [signer.publicJWK]))
        #expect(try await verifier.verify(jws, as: BundleClaims.self, typ: BundleClaims.typ) == claims)
    }
}
