import Foundation
import JWTKit
import SamtykkeCore

/// A bank's RFC 7523 grant assertion: who it names, and the claims `/v1/token` judges once the
/// signature of the key it names has verified.
public struct JWTBearerAssertion: JWTPayload, Sendable {
    public let iss: String
    public let sub: String
    public let aud: AudienceClaim
    public let iat: Int
    public let exp: Int
    public let jti: String
    public let scope: String?

    public static let scope = "samtykke:bank"
    /// RFC 7523 §2.1's `grant_type`.
    public static let grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    /// SPEC §2c: `exp` at most this long after `iat`.
    public static let maximumLifetime = 120
    /// How far ahead of the broker's clock a bank's `iat` may be.
    public static let clockSkew = 60

    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// What the header and the unverified claims say, to pick the key: the bank (`iss`), `kid`, and
    /// the claims themselves.
    public struct Naming: Sendable {
        public let bank: OrgNumber
        public let kid: String
        public let claims: JWTBearerAssertion
    }

    /// Judges everything that does not depend on the key (header, the claims' shape and `check`), so
    /// that what is refused once the key is looked up is only the signature: one answer whether the
    /// bank has no key `kid` or the key does not verify, which says nothing about a bank's kids.
    public static func naming(_ assertion: String, audience: String, now: Date) throws(JOSEError) -> Naming {
        struct Issuer: Decodable { let iss: String? }
        let header = try JWSVerifier.header(of: assertion)
        guard BankJWK.Algorithm(rawValue: header.alg) != nil else { throw .badSignature("algorithm \(header.alg) is not accepted; use ES256 or RS256") }
        guard let kid = header.kid, !kid.isEmpty else { throw .malformed("the header has no kid") }
        guard header.crit == nil else { throw .malformed("the header names critical extensions, none of which is supported") }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard let claimsJSON = Base64URL.decode(String(parts[1])) else { throw .malformed("the claims are not base64url") }
        try JWSVerifier.checkStructure(claimsJSON, of: "claims set")
        guard let iss = try BankJWK.unverifiedClaims(of: assertion, as: Issuer.self).iss else { throw .claim("iss is missing") }
        guard let bank = try? OrgNumber(iss) else { throw .claim("iss is not an organisation number") }
        guard let claims = try? JSONDecoder().decode(Self.self, from: Data(claimsJSON)) else {
            throw .claim("the claims must hold iss, sub, aud, iat and exp as numbers, and jti")
        }
        try claims.check(bank: bank, audience: audience, now: now)
        return Naming(bank: bank, kid: kid, claims: claims)
    }

    /// RFC 7523 §3's checks but the replay: `iss` = `sub` = the bank, `aud` the token endpoint, not
    /// expired, not issued in the future, at most `maximumLifetime`, a `jti`, the scope claim.
    public func check(bank: OrgNumber, audience: String, now: Date) throws(JOSEError) {
        let now = Int(now.timeIntervalSince1970)
        guard iss == bank.digits, sub == iss else { throw .claim("iss and sub must both be the bank's organisation number") }
        guard aud.value.contains(audience) else { throw .claim("aud must be \(audience)") }
        guard exp > now else { throw .claim("the assertion has expired") }
        guard iat <= now + Self.clockSkew else { throw .claim("iat is in the future") }
        // Compared without subtracting, which would trap on an iat of Int.min.
        guard exp > iat, iat >= exp - Self.maximumLifetime else { throw .claim("exp must be at most \(Self.maximumLifetime) s after iat") }
        try SingleUseID.check(jti)
    }
}
