import Crypto
import Foundation
import SamtykkeCore

/// The bank's side of SPEC §2c, for a bank that holds only private keys: the grant assertions
/// (RFC 7523) it trades at `/v1/token`, signed with the key it registered, and the DPoP proofs
/// (RFC 9449) that bind its access token to its DPoP key and go with every call.
public struct BankKeySigner: Sendable {
    public let org: OrgNumber
    /// The registered key; its `kid` is its RFC 7638 thumbprint.
    public let key: ES256Signer
    /// The key access tokens are bound to (`cnf.jkt`).
    public let dpopKey: ES256Signer

    public init(org: OrgNumber, key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(), dpopKey: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) {
        self.org = org
        self.key = ES256Signer(privateKey: key)
        self.dpopKey = ES256Signer(privateKey: dpopKey)
    }

    /// What the bank registers (`bank add --jwks`): its public key with `kid` and `alg`, as a JWKS.
    public var publicJWKS: String {
        String(decoding: (try? JSONEncoder().encode(JWKSet(keys: [key.publicJWK]))) ?? Data(), as: UTF8.self)
    }

    /// A grant assertion for the token endpoint at `audience`, valid for `lifetime` seconds.
    public func assertion(audience: String, now: Date, lifetime: Int = 60) throws -> String {
        struct Claims: Encodable {
            let iss, sub, aud: String
            let iat, exp: Int
            let jti, scope: String
        }
        let iat = Int(now.timeIntervalSince1970)
        return try key.sign(
            Claims(iss: org.digits, sub: org.digits, aud: audience, iat: iat, exp: iat + lifetime, jti: UUID().uuidString, scope: JWTBearerAssertion.scope),
            typ: "JWT"
        )
    }

    /// The body of a token request to `tokenURL` (`application/x-www-form-urlencoded`): the
    /// JWT-bearer grant with a new assertion.
    public func tokenRequest(tokenURL: String, now: Date) throws -> [UInt8] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Array([("grant_type", JWTBearerAssertion.grantType), ("assertion", try assertion(audience: tokenURL, now: now))]
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&").utf8)
    }

    /// A proof for one request of `method` to `url` (its query and fragment are no part of `htu`);
    /// with `accessToken`, bound to it by `ath`.
    public func proof(method: String, url: String, accessToken: String?, now: Date) throws -> String {
        struct Key: Encodable { let kty, crv, x, y: String }
        struct Header: Encodable {
            let typ: String
            let alg: String
            let jwk: Key
        }
        struct Claims: Encodable {
            let jti, htm, htu: String
            let iat: Int
            let ath: String?
        }
        let jwk = dpopKey.publicJWK
        let htu = String(url.prefix { $0 != "?" && $0 != "#" })
        let claims = Claims(
            jti: UUID().uuidString, htm: method, htu: htu, iat: Int(now.timeIntervalSince1970),
            ath: accessToken.map { Base64URL.encode(SHA256.hash(data: Array($0.utf8))) }
        )
        return try dpopKey.sign(
            payloadJSON: Array(try JSONEncoder().encode(claims)),
            header: Header(typ: DPoPProof.typ, alg: "ES256", jwk: Key(kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y))
        )
    }
}
