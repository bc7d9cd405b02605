import Crypto
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer
import Testing
import TestSupport

/// ID tokens made by hand, byte by byte, each wrong in exactly one way a forger or a confused
/// provider could try. The broker must answer every one with a 401 problem document; the same
/// recipe without the flaw must get in, so each refusal is for that flaw alone.
@Suite(.sameOnEveryBackend) struct IDTokenForgeryTests {
    enum Forgery: String, CaseIterable, Sendable {
        case wrongSignature, algNone, hs256SignedWithThePublicKey, expired, notYetValid, wrongIssuer
        case wrongAudience, acrTooLow, acrMissing, pidMissing, pidInvalid, algorithmNotTheKeys
        case criticalExtension, unknownKid, embeddedKey
        case accessTokenType, lifetimeOfACentury, issuedNextYear, iatMissing, severalAudiencesWithoutAzp
    }

    /// A compact JWS from JSON header and claims and a signature over `header.claims`.
    static func compact(header: [String: Any], claims: [String: Any], sign: (String) throws -> [UInt8]) throws -> String {
        func part(_ object: [String: Any]) throws -> String {
            Base64URL.encode(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        let input = try part(header) + "." + part(claims)
        return input + "." + Base64URL.encode(try sign(input))
    }

    static func es256(_ key: P256.Signing.PrivateKey) -> (String) throws -> [UInt8] {
        { input in Array(try key.signature(for: Data(input.utf8)).rawRepresentation) }
    }

    /// The token the dev provider would issue for `pid`, except for `forgery`.
    static func token(_ forgery: Forgery?, providerKey: P256.Signing.PrivateKey, pid: String, now: Date) throws -> String {
        let t = Int(now.timeIntervalSince1970)
        var header: [String: Any] = ["alg": "ES256", "typ": "JWT", "kid": PublicJWK(providerKey.publicKey).kid]
        var claims: [String: Any] = [
            "iss": DevIDProvider.issuer, "aud": DevIDProvider.audience, "sub": pid, "pid": pid,
            "acr": "idporten-loa-substantial", "iat": t, "nbf": t, "exp": t + 600,
        ]
        var sign = es256(providerKey)
        let stranger = P256.Signing.PrivateKey()
        switch forgery {
        case nil: break
        case .wrongSignature: sign = es256(stranger)
        case .algNone:
            header["alg"] = "none"
            sign = { _ in [] }
        case .hs256SignedWithThePublicKey:
            // The classic confusion: the verifier's public key, as published, used as an HMAC secret.
            header["alg"] = "HS256"
            let secret = SymmetricKey(data: Array(providerKey.publicKey.pemRepresentation.utf8))
            sign = { input in Array(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: secret)) }
        case .expired:
            claims["iat"] = t - 7200
            claims["nbf"] = t - 7200
            claims["exp"] = t - 3600
        case .notYetValid:
            claims["iat"] = t + 3600
            claims["nbf"] = t + 3600
            claims["exp"] = t + 7200
        case .wrongIssuer: claims["iss"] = "https://idp.example.invalid"
        case .wrongAudience: claims["aud"] = ["some-other-service"]
        case .acrTooLow: claims["acr"] = "idporten-loa-low"
        case .acrMissing: claims["acr"] = nil
        case .pidMissing: claims["pid"] = nil
        case .pidInvalid:
            claims["pid"] = "12345678901"
            claims["sub"] = "12345678901"
        case .algorithmNotTheKeys:
            // Signed correctly with the provider's EC key, but the header claims an RSA algorithm.
            header["alg"] = "RS256"
        case .criticalExtension:
            header["crit"] = ["samtykke-unknown"]
            header["samtykke-unknown"] = true
        case .unknownKid:
            header["kid"] = PublicJWK(stranger.publicKey).kid
            sign = es256(stranger)
        case .embeddedKey:
            // The forger ships its own key in the header and hopes the verifier uses it.
            let jwk = PublicJWK(stranger.publicKey)
            header["kid"] = jwk.kid
            header["jwk"] = ["kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "y": jwk.y]
            sign = es256(stranger)
        case .accessTokenType:
            // An RFC 9068 access token from the same provider is no login.
            header["typ"] = "at+jwt"
        case .lifetimeOfACentury: claims["exp"] = t + 100 * 365 * 86_400
        case .issuedNextYear:
            // nbf says now, but a token cannot be used before it was issued.
            claims["iat"] = t + 365 * 86_400
            claims["exp"] = t + 365 * 86_400 + 120
        case .iatMissing: claims["iat"] = nil
        case .severalAudiencesWithoutAzp: claims["aud"] = [DevIDProvider.audience, "some-other-service"]
        }
        return try compact(header: header, claims: claims, sign: sign)
    }

    static func answer(_ forgery: Forgery?) async throws -> Answer {
        try await AuthorizationParties.run { parties in
            let token = try token(forgery, providerKey: parties.harness.idProviderKey, pid: parties.personX, now: parties.clock.now())
            return try await parties.caller(token).send("GET", "/v1/me/consents")
        }
    }

    @Test func theGenuineRecipeGetsIn() async throws {
        let answer = try await Self.answer(nil)
        #expect(answer.status == 200, "\(answer.text)")
    }

    @Test(arguments: Forgery.allCases)
    func isRefusedWithAProblem(_ forgery: Forgery) async throws {
        let answer = try await Self.answer(forgery)
        #expect(answer.status == 401, "\(answer.text)")
        #expect(answer.header("Content-Type") == "application/problem+json")
        #expect(answer.header("WWW-Authenticate") == #"Bearer error="invalid_token""#)
        #expect(answer.json["status"] as? Int == 401)
        #expect(answer.json["type"] as? String == "/problems/unauthorized")
    }
}
