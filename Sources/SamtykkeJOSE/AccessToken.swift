import Crypto
import Foundation
import SamtykkeCore
import Synchronization

/// A bank's access token from `/v1/token`: an RFC 9068 JWT (`typ` `at+jwt`) that the broker signs
/// with its ES256 key, so every instance that has the key verifies it; the store is asked only
/// whether the bank's key that granted it is still registered, at most once a second.
public struct AccessToken: Sendable, Codable, Equatable {
    public let iss: String
    public let sub: String
    public let aud: String
    public let client_id: String
    public let iat: Int
    public let exp: Int
    public let jti: String
    public let scope: String
    /// RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to; nil for a Bearer token.
    public let cnf: Confirmation?
    /// The bank's registered key that signed the grant: a token lives only as long as that key stays
    /// registered (`samtykke bank key remove` ends the tokens it granted, as revoking an API key does).
    public let bank_key: GrantKey

    public struct Confirmation: Sendable, Codable, Equatable {
        public let jkt: String
    }

    /// A registered key by its `kid` and the SHA-256 (base64url) of the JWK registered under it, so
    /// a different key registered later under the same `kid` does not take over the tokens.
    public struct GrantKey: Sendable, Codable, Equatable, Hashable {
        public let kid: String
        public let jwk_sha256: String

        public init(kid: String, jwk: String) {
            self.kid = kid
            jwk_sha256 = Base64URL.encode(Array(SHA256.hash(data: Array(jwk.utf8))))
        }
    }

    public static let typ = "at+jwt"
    /// SPEC §2c: at most 300 s.
    public static let lifetime = 300

    public init(issuer: String, bank: OrgNumber, key: GrantKey, now: Date, thumbprint: String?) {
        self.iss = issuer
        self.sub = bank.digits
        self.aud = issuer
        self.client_id = bank.digits
        self.iat = Int(now.timeIntervalSince1970)
        self.exp = iat + Self.lifetime
        self.jti = UUID().uuidString
        self.scope = JWTBearerAssertion.scope
        self.cnf = thumbprint.map(Confirmation.init(jkt:))
        self.bank_key = key
    }

    public func signed(by signer: ES256Signer) throws -> String {
        try signer.sign(self, typ: Self.typ)
    }

    /// Whether `token` is shaped like a JWT at all (an API key is not).
    public static func looksLikeJWT(_ token: String) -> Bool {
        token.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ".") ? 1 : 0) } == 2
    }

    /// Verifies the tokens this broker issued, by the keys they may be signed with (by `kid`): the
    /// bundle-signing key and the retired ones, so a token issued just before a rotation keeps working
    /// until it expires. A bank sends the same token with every call for minutes, so a token whose
    /// signature verified is remembered; its issuer and expiry are still judged on every call.
    public final class Verifier: Sendable {
        let byKid: [String: P256.Signing.PublicKey]
        private let verified = Mutex<[String: AccessToken]>([:])
        /// Tokens remembered at most; when full, forgotten all at once (they live minutes).
        static let remembered = 4096
        /// Seconds an instance's clock may run behind the one that issued a token.
        static let clockSkew = 60

        public init(current: ES256Signer, retired: [PublicJWK]) {
            var byKid = [current.kid: current.privateKey.publicKey]
            for jwk in retired { byKid[jwk.kid] = byKid[jwk.kid] ?? (try? jwk.publicKey) }
            self.byKid = byKid
        }

        /// `typ` `at+jwt`, signed by the key its `kid` names, this issuer, not expired.
        public func verify(_ token: String, issuer: String, now: Date) throws(JOSEError) -> AccessToken {
            let claims: AccessToken
            if let known = verified.withLock({ $0[token] }) {
                claims = known
            } else {
                claims = try AccessToken.signed(token, keys: byKid)
                verified.withLock { verified in
                    if verified.count >= Self.remembered { verified.removeAll() }
                    verified[token] = claims
                }
            }
            guard claims.iss == issuer, claims.aud == issuer else { throw .claim("the access token is for another broker") }
            let seconds = Int(now.timeIntervalSince1970)
            guard claims.exp > seconds else { throw .claim("the access token has expired") }
            // This broker issues none for longer, nor dated ahead: without these a key that signed
            // tokens once (a retired one, or one that leaked) could mint one for good.
            guard claims.exp > claims.iat, claims.exp - claims.iat <= AccessToken.lifetime else {
                throw .claim("the access token lives longer than \(AccessToken.lifetime) s")
            }
            guard claims.iat <= seconds + Self.clockSkew else { throw .claim("the access token was issued in the future") }
            return claims
        }
    }

    /// The claims of `token` once its header and signature are judged.
    static func signed(_ token: String, keys: [String: P256.Signing.PublicKey]) throws(JOSEError) -> AccessToken {
        let header = try JWSVerifier.header(of: token)
        guard header.alg == "ES256", let key = header.kid.flatMap({ keys[$0] }), header.typ == typ, header.crit == nil else {
            throw .badSignature("not an access token of this broker")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard let signatureBytes = Base64URL.decode(String(parts[2])), let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            key.isValidSignature(signature, for: Array(token.utf8[..<parts[2].utf8.startIndex].dropLast()))
        else { throw .badSignature("the access token's signature does not verify") }
        guard let payload = Base64URL.decode(String(parts[1])), let claims = try? JSONDecoder().decode(AccessToken.self, from: Data(payload)) else {
            throw .malformed("the access token's claims could not be read")
        }
        return claims
    }
}
