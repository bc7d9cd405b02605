import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeApp
@testable import SamtykkeServer
import SamtykkeStore
import Testing
import TestSupport

/// Compact JWS made by hand, so a test can put into a header or the claims whatever a bad client would.
struct HandJWS {
    static func json(_ object: [String: Any]) -> String {
        Base64URL.encode(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func es256(header: [String: Any], claims: [String: Any], key: P256.Signing.PrivateKey) -> String {
        let input = json(header) + "." + json(claims)
        return input + "." + Base64URL.encode(try! key.signature(for: Array(input.utf8)).rawRepresentation)
    }

    static func hs256(header: [String: Any], claims: [String: Any], secret: [UInt8]) -> String {
        let input = json(header) + "." + json(claims)
        return input + "." + Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: secret)))
    }

    static func jwk(_ key: P256.Signing.PrivateKey, private: Bool = false) -> [String: Any] {
        let raw = Array(key.publicKey.rawRepresentation)
        var jwk: [String: Any] = ["kty": "EC", "crv": "P-256", "x": Base64URL.encode(raw[0..<32]), "y": Base64URL.encode(raw[32..<64])]
        if `private` { jwk["d"] = Base64URL.encode(key.rawRepresentation) }
        return jwk
    }
}

/// A bank with only a private key: what it signs and sends to `/v1/token` and the bank API.
struct KeyBank {
    static let base = "http://broker.test"
    let org: OrgNumber
    let key = P256.Signing.PrivateKey()
    let dpopKey = P256.Signing.PrivateKey()
    let kid = "bank-key-1"

    var jwks: [RegisteredKey] {
        var jwk = HandJWS.jwk(key)
        jwk["kid"] = kid
        let members = try! BankJWK(members: jwk, requireKid: true)
        return [RegisteredKey(kid: kid, jwk: members.json, createdAt: Date())]
    }

    func claims(now: Date = Date(), lifetime: Int = 60) -> [String: Any] {
        let iat = Int(now.timeIntervalSince1970)
        return ["iss": org.digits, "sub": org.digits, "aud": Self.base + "/v1/token", "iat": iat, "exp": iat + lifetime, "jti": UUID().uuidString, "scope": "samtykke:bank"]
    }

    func assertion(_ edit: (inout [String: Any]) -> Void = { _ in }) -> String {
        var claims = claims()
        edit(&claims)
        return HandJWS.es256(header: ["alg": "ES256", "kid": kid, "typ": "JWT"], claims: claims, key: key)
    }

    func proof(_ method: String, _ path: String, token: String? = nil, key: P256.Signing.PrivateKey? = nil, edit: (inout [String: Any], inout [String: Any]) -> Void = { _, _ in }) -> String {
        var header: [String: Any] = ["typ": "dpop+jwt", "alg": "ES256", "jwk": HandJWS.jwk(key ?? dpopKey)]
        var claims: [String: Any] = ["htm": method, "htu": Self.base + path, "iat": Int(Date().timeIntervalSince1970), "jti": UUID().uuidString]
        if let token { claims["ath"] = Base64URL.encode(SHA256.hash(data: Array(token.utf8))) }
        edit(&header, &claims)
        return HandJWS.es256(header: header, claims: claims, key: key ?? dpopKey)
    }

    static func form(_ pairs: [(String, String)]) -> [UInt8] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Array(pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&").utf8)
    }

    static func grant(_ assertion: String) -> [UInt8] {
        form([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
    }
}

extension TestClientProtocol {
    func token(_ body: [UInt8], dpop: String? = nil, contentType: String = "application/x-www-form-urlencoded") async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        if let dpop { headers[.dpop] = dpop }
        return try await execute(uri: "/v1/token", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    func dpop(_ method: HTTPRequest.Method, _ uri: String, token: String, proof: String?, body: [UInt8]? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "DPoP \(token)"]
        if let proof { headers[.dpop] = proof }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }
}

@Suite(.sameOnEveryBackend) struct TokenTests {
    let bank = KeyBank(org: try! OrgNumber("923609016"))
    let other = KeyBank(org: try! OrgNumber("918713867"))

    func harness(_ configure: (inout BrokerSettings) -> Void = { _ in }) async throws -> RouterHarness {
        var harness = try await RouterHarness.make()
        harness.settings.publicURL = KeyBank.base
        configure(&harness.settings)
        try await harness.store.addBank(org: bank.org, name: "Nøkkel Bank", publicKeys: bank.jwks, now: Date())
        try await harness.store.addBank(org: other.org, name: "Annen Bank", publicKeys: other.jwks, now: Date())
        return harness
    }

    /// A DPoP-bound access token for `bank`.
    func dpopToken(_ client: some TestClientProtocol, _ bank: KeyBank) async throws -> String {
        let answer = try await client.token(KeyBank.grant(bank.assertion()), dpop: bank.proof("POST", "/v1/token"))
        #expect(answer.status == .ok, "\(String(buffer: answer.body))")
        return try #require(answer.json["access_token"] as? String)
    }

    func oauthError(_ answer: TestResponse) -> String? {
        #expect(answer.headers[.cacheControl] == "no-store" && answer.headers[.contentType] == "application/json")
        return answer.json["error"] as? String
    }

    @Test func aBankWithOnlyAPrivateKeyGetsABoundTokenAndUsesTheAPI() async throws {
        let harness = try await harness()
        try await harness.test { (client: any TestClientProtocol) async throws in
            let answer = try await client.token(KeyBank.grant(bank.assertion()), dpop: bank.proof("POST", "/v1/token"))
            #expect(answer.status == .ok && answer.headers[.cacheControl] == "no-store", "\(String(buffer: answer.body))")
            #expect(answer.json["token_type"] as? String == "DPoP" && answer.json["scope"] as? String == "samtykke:bank")
            #expect((answer.json["expires_in"] as? Int).map { $0 > 0 && $0 <= 300 } == true)
            let token = try #require(answer.json["access_token"] as? String)

            let created = try await client.dpop(.post, "/v1/consents", token: token, proof: bank.proof("POST", "/v1/consents", token: token), body: RouterHarness.request())
            #expect(created.status == .created, "\(String(buffer: created.body))")
            #expect(created.json["bankOrg"] as? String == bank.org.digits)
            let id = try #require(created.json["id"] as? String)
            // The query is not part of htu.
            let listed = try await client.dpop(.get, "/v1/consents?limit=5", token: token, proof: bank.proof("GET", "/v1/consents", token: token))
            #expect(listed.status == .ok, "\(String(buffer: listed.body))")
            let shown = try await client.dpop(.get, "/v1/consents/\(id)", token: token, proof: bank.proof("GET", "/v1/consents/\(id)", token: token))
            #expect(shown.status == .ok)
            // The other bank, with its own token, does not see it.
            let theirs = try await dpopToken(client, other)
            let hidden = try await client.dpop(.get, "/v1/consents/\(id)", token: theirs, proof: other.proof("GET", "/v1/consents/\(id)", token: theirs))
            #expect(hidden.status == .notFound)
        }
    }

    @Test func withoutAProofTheTokenIsBearerUnlessDPoPIsRequired() async throws {
        try await harness().test { (client: any TestClientProtocol) async throws in
            let answer = try await client.token(KeyBank.grant(bank.assertion()))
            #expect(answer.json["token_type"] as? String == "Bearer")
            let token = try #require(answer.json["access_token"] as? String)
            #expect(try await client.send(.get, "/v1/consents", bearer: token).status == .ok)
        }
        try await harness { $0.requireDPoP = true }.test { (client: any TestClientProtocol) async throws in
            #expect(oauthError(try await client.token(KeyBank.grant(bank.assertion()))) == "invalid_request")
            let token = try await dpopToken(client, bank)
            let refused = try await client.send(.get, "/v1/consents", bearer: token)
            #expect(refused.status == .unauthorized && refused.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
        }
    }

    @Test func aDPoPBoundTokenIsNoBearerToken() async throws {
        try await harness().test { (client: any TestClientProtocol) async throws in
            let token = try await dpopToken(client, bank)
            let refused = try await client.send(.get, "/v1/consents", bearer: token)
            #expect(refused.status == .unauthorized && refused.headers[.wwwAuthenticate] == #"DPoP algs="ES256 RS256", error="invalid_token""#)
        }
    }

    @Test func apiKeysCanBeTurnedOff() async throws {
        let harness = try await harness { $0.apiKeys = false }
        try await harness.test { (client: any TestClientProtocol) async throws in
            let refused = try await client.send(.get, "/v1/consents", bearer: harness.bankKey)
            #expect(refused.status == .unauthorized && refused.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
        }
        let on = try await self.harness()
        try await on.test { (client: any TestClientProtocol) async throws in #expect(try await client.send(.get, "/v1/consents", bearer: on.bankKey).status == .ok) }
    }

    @Test func everyBadAssertionIsAnInvalidGrant() async throws {
        let stranger = P256.Signing.PrivateKey()
        let harness = try await harness()
        let bad: [(String, String)] = [
            ("unregistered kid", HandJWS.es256(header: ["alg": "ES256", "kid": "nobody"], claims: bank.claims(), key: bank.key)),
            ("signed by another key", HandJWS.es256(header: ["alg": "ES256", "kid": bank.kid], claims: bank.claims(), key: stranger)),
            ("alg none", HandJWS.json(["alg": "none", "kid": bank.kid]) + "." + HandJWS.json(bank.claims()) + "."),
            ("alg HS256", HandJWS.hs256(header: ["alg": "HS256", "kid": bank.kid], claims: bank.claims(), secret: Array(bank.kid.utf8))),
            ("wrong aud", bank.assertion { $0["aud"] = "http://elsewhere.test/v1/token" }),
            ("iss is not sub", bank.assertion { $0["sub"] = other.org.digits }),
            ("another bank's iss", bank.assertion { $0["iss"] = other.org.digits; $0["sub"] = other.org.digits }),
            ("expired", bank.assertion { $0 = bank.claims(now: Date().addingTimeInterval(-90), lifetime: 60) }),
            ("lives too long", bank.assertion { $0 = bank.claims(lifetime: 121) }),
            ("no jti", bank.assertion { $0["jti"] = nil }),
        ]
        try await harness.test { (client: any TestClientProtocol) async throws in
            for (why, assertion) in bad {
                let answer = try await client.token(KeyBank.grant(assertion))
                #expect(answer.status == .badRequest && oauthError(answer) == "invalid_grant", "\(why): \(String(buffer: answer.body))")
            }
            // The bank itself still gets a token: none of the refusals above was about it.
            #expect(try await client.token(KeyBank.grant(bank.assertion())).status == .ok)
        }
    }

    @Test func anAssertionIsUsedOnce() async throws {
        try await harness().test { (client: any TestClientProtocol) async throws in
            let assertion = bank.assertion()
            #expect(try await client.token(KeyBank.grant(assertion)).status == .ok)
            let replayed = try await client.token(KeyBank.grant(assertion))
            #expect(replayed.status == .badRequest && oauthError(replayed) == "invalid_grant")
        }
    }

    @Test func aRemovedKeyIsRefusedAtOnceAndAnAddedOneWorksAtOnce() async throws {
        let harness = try await harness()
        try await harness.test { (client: any TestClientProtocol) async throws in
            #expect(try await client.token(KeyBank.grant(bank.assertion())).status == .ok)
            #expect(try await harness.store.removePublicKey(of: bank.org, kid: bank.kid))
            #expect(oauthError(try await client.token(KeyBank.grant(bank.assertion()))) == "invalid_grant")
            try await harness.store.addPublicKeys(bank.jwks, org: bank.org, now: Date())
            #expect(try await client.token(KeyBank.grant(bank.assertion())).status == .ok)
        }
    }

    /// A bank that removes a key (it leaked, or it is retired) ends the tokens granted under it within a
    /// second, as revoking an API key does; its other key's tokens, and the other bank's, work on.
    /// A new key registered under the removed one's kid does not take over its tokens.
    @Test func removingAKeyEndsTheTokensItGrantedWithinASecond() async throws {
        let harness = try await harness()
        let secondKey = P256.Signing.PrivateKey()
        var jwk = HandJWS.jwk(secondKey)
        jwk["kid"] = "bank-key-2"
        let second = RegisteredKey(kid: "bank-key-2", jwk: try BankJWK(members: jwk, requireKid: true).json, createdAt: Date())
        try await harness.store.addPublicKeys([second], org: bank.org, now: Date())
        let secondAssertion = HandJWS.es256(header: ["alg": "ES256", "kid": "bank-key-2", "typ": "JWT"], claims: bank.claims(), key: secondKey)
        try await harness.test { (client: any TestClientProtocol) async throws in
            let token = try await dpopToken(client, bank)
            let bearer = try #require(try await client.token(KeyBank.grant(bank.assertion())).json["access_token"] as? String)
            let kept = try #require(try await client.token(KeyBank.grant(secondAssertion)).json["access_token"] as? String)
            let theirs = try await dpopToken(client, other)
            let use = { (token: String, bank: KeyBank) in
                try await client.dpop(.get, "/v1/consents", token: token, proof: bank.proof("GET", "/v1/consents", token: token))
            }
            #expect(try await use(token, bank).status == .ok)
            #expect(try await client.send(.get, "/v1/consents", bearer: bearer).status == .ok)

            #expect(try await harness.store.removePublicKey(of: bank.org, kid: bank.kid))
            try await Task.sleep(for: .milliseconds(1100))
            let refused = try await use(token, bank)
            #expect(refused.status == .unauthorized && refused.headers[.wwwAuthenticate]?.hasPrefix("DPoP") == true, "\(String(buffer: refused.body))")
            #expect(refused.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            let refusedBearer = try await client.send(.get, "/v1/consents", bearer: bearer)
            #expect(refusedBearer.status == .unauthorized && refusedBearer.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
            #expect(try await client.send(.get, "/v1/consents", bearer: kept).status == .ok)
            #expect(try await use(theirs, other).status == .ok)

            // Another key under the same kid: the old tokens stay refused.
            var replacement = HandJWS.jwk(P256.Signing.PrivateKey())
            replacement["kid"] = bank.kid
            try await harness.store.addPublicKeys([RegisteredKey(kid: bank.kid, jwk: try BankJWK(members: replacement, requireKid: true).json, createdAt: Date())], org: bank.org, now: Date())
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await use(token, bank).status == .unauthorized)
        }
    }

    @Test func theFormIsJudgedByRFC6749() async throws {
        try await harness().test { (client: any TestClientProtocol) async throws in
            let assertion = bank.assertion()
            let grantType = ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
            #expect(oauthError(try await client.token(KeyBank.form([grantType, ("assertion", assertion), ("assertion", assertion)]))) == "invalid_request")
            #expect(oauthError(try await client.token(KeyBank.form([grantType, grantType, ("assertion", assertion)]))) == "invalid_request")
            #expect(oauthError(try await client.token(KeyBank.form([grantType]))) == "invalid_request")
            #expect(oauthError(try await client.token(KeyBank.form([("grant_type", "client_credentials"), ("assertion", assertion)]))) == "unsupported_grant_type")
            #expect(oauthError(try await client.token(KeyBank.grant(assertion), contentType: "application/json")) == "invalid_request")
            #expect(oauthError(try await client.token(KeyBank.form([grantType, ("assertion", assertion), ("scope", "samtykke:admin")]))) == "invalid_scope")
            #expect(oauthError(try await client.token(KeyBank.grant(bank.assertion { $0["scope"] = "samtykke:admin" }))) == "invalid_scope")
            // The same assertion was never spent by the refusals above.
            #expect(try await client.token(KeyBank.form([grantType, ("assertion", assertion), ("scope", "samtykke:bank")])).status == .ok)
        }
    }

    /// An assertion's times at the ends of Int are refused as the lifetime they state, not by a
    /// trap that stops the broker.
    @Test func anAssertionWithExtremeTimesIsAnInvalidGrant() async throws {
        try await harness().test { (client: any TestClientProtocol) async throws in
            #expect(oauthError(try await client.token(KeyBank.grant(bank.assertion { $0["iat"] = Int.min }))) == "invalid_grant")
            #expect(oauthError(try await client.token(KeyBank.grant(bank.assertion { $0["exp"] = Int.max }))) == "invalid_grant")
        }
    }

    /// A member given twice is read by whichever one a decoder keeps, so it is refused even when
    /// both say the same.
    @Test func anAssertionWithARepeatedMemberIsAnInvalidGrant() async throws {
        let claims = HandJWS.json(bank.claims())
        var json = String(decoding: try #require(Base64URL.decode(claims)), as: UTF8.self)
        json.insert(contentsOf: #""scope":"samtykke:bank","#, at: json.index(after: json.startIndex))
        let input = HandJWS.json(["alg": "ES256", "kid": bank.kid, "typ": "JWT"]) + "." + Base64URL.encode(Array(json.utf8))
        let assertion = input + "." + Base64URL.encode(try bank.key.signature(for: Array(input.utf8)).rawRepresentation)
        try await harness().test { (client: any TestClientProtocol) async throws in
            #expect(oauthError(try await client.token(KeyBank.grant(assertion))) == "invalid_grant")
        }
    }

    @Test func aBadProofOnTheTokenRequestIsAnInvalidDPoPProof() async throws {
        try await harness().test { (client: any TestClientProtocol) async throws in
            let proofs = [
                bank.proof("GET", "/v1/token"),
                bank.proof("POST", "/v1/consents"),
                bank.proof("POST", "/v1/token") { header, _ in header["jwk"] = HandJWS.jwk(bank.dpopKey, private: true) },
                bank.proof("POST", "/v1/token") { _, claims in claims["iat"] = Int(Date().timeIntervalSince1970) - 120 },
                // Times at the ends of Int: a subtraction from them would stop the broker.
                bank.proof("POST", "/v1/token") { _, claims in claims["iat"] = Int.min },
                bank.proof("POST", "/v1/token") { _, claims in claims["iat"] = Int.max },
            ]
            for proof in proofs {
                #expect(oauthError(try await client.token(KeyBank.grant(bank.assertion()), dpop: proof)) == "invalid_dpop_proof")
            }
        }
    }

    /// Each refusal of RFC 9449 §4.3 at the API: a 401 whose challenge is `DPoP error="invalid_dpop_proof"`.
    @Test func everyBadProofAtTheAPIIsRefused() async throws {
        let harness = try await harness()
        try await harness.test { (client: any TestClientProtocol) async throws in
            let token = try await dpopToken(client, bank)
            let otherToken = try await dpopToken(client, bank)
            let path = "/v1/consents"
            let reused = bank.proof("GET", path, token: token)
            #expect(try await client.dpop(.get, path, token: token, proof: reused).status == .ok)
            let bad: [(String, String?)] = [
                ("wrong method", bank.proof("POST", path, token: token)),
                ("wrong URL", bank.proof("GET", "/v1/events", token: token)),
                ("wrong host", bank.proof("GET", path, token: token) { _, claims in claims["htu"] = "http://elsewhere.test" + path }),
                ("stale iat", bank.proof("GET", path, token: token) { _, claims in claims["iat"] = Int(Date().timeIntervalSince1970) - 75 }),
                ("future iat", bank.proof("GET", path, token: token) { _, claims in claims["iat"] = Int(Date().timeIntervalSince1970) + 75 }),
                ("reused jti", reused),
                ("wrong ath", bank.proof("GET", path, token: otherToken)),
                ("no ath", bank.proof("GET", path)),
                ("private key in jwk", bank.proof("GET", path, token: token) { header, _ in header["jwk"] = HandJWS.jwk(bank.dpopKey, private: true) }),
                ("typ JWT", bank.proof("GET", path, token: token) { header, _ in header["typ"] = "JWT" }),
                // The header (the bank's key) is the one of the proof accepted above, signed by another key.
                ("signed by another key", bank.proof("GET", path, token: token, key: P256.Signing.PrivateKey()) { header, _ in header["jwk"] = HandJWS.jwk(bank.dpopKey) }),
                ("claims changed after signing", tampered(bank.proof("GET", path, token: token))),
                ("another bank's key", other.proof("GET", path, token: token)),
                ("no proof", nil),
            ]
            for (why, proof) in bad {
                let answer = try await client.dpop(.get, path, token: token, proof: proof)
                #expect(answer.status == .unauthorized && answer.headers[.contentType] == "application/problem+json", "\(why)")
                #expect(answer.headers[.wwwAuthenticate] == #"DPoP algs="ES256 RS256", error="invalid_dpop_proof""#, "\(why)")
            }
        }
    }

    /// `jws` with its claims replaced (a jti never used) and its signature kept.
    private func tampered(_ jws: String) -> String {
        var parts = jws.split(separator: ".").map(String.init)
        var claims = try! JSONSerialization.jsonObject(with: Data(Base64URL.decode(parts[1])!)) as! [String: Any]
        claims["jti"] = UUID().uuidString
        parts[1] = HandJWS.json(claims)
        return parts.joined(separator: ".")
    }

    @Test func aTokenIsTheBanksItWasIssuedToWhateverProofComesWithIt() async throws {
        try await harness().test { (client: any TestClientProtocol) async throws in
            let theirs = try await dpopToken(client, other)
            // Our key signs a proof for their token: refused, not served as either bank.
            let answer = try await client.dpop(.get, "/v1/consents", token: theirs, proof: bank.proof("GET", "/v1/consents", token: theirs))
            #expect(answer.status == .unauthorized)
            let forged = theirs.split(separator: ".").enumerated().map { $0.offset == 2 ? "AAAA" : String($0.element) }.joined(separator: ".")
            let refused = try await client.dpop(.get, "/v1/consents", token: forged, proof: bank.proof("GET", "/v1/consents", token: forged))
            #expect(refused.status == .unauthorized && refused.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
        }
    }

    /// Access tokens are signed with the bundle key: one issued just before a rotation works on an
    /// instance started with the new key and the old one retired, until it expires.
    @Test func aTokenOutlivesTheRotationOfTheKeyThatSignedIt() async throws {
        let before = try await harness()
        let (dpop, bearer) = try await before.test { (client: any TestClientProtocol) async throws in
            (try await dpopToken(client, bank), try await client.token(KeyBank.grant(bank.assertion())).json["access_token"] as? String)
        }
        let bearerToken = try #require(bearer)
        var after = before
        after.settings.given.keys?.bundleSigner = ES256Signer(privateKey: P256.Signing.PrivateKey())
        after.settings.given.keys?.retiredKeys = [before.keys.bundleSigner.publicJWK]
        try await after.test { (client: any TestClientProtocol) async throws in
            let answer = try await client.dpop(.get, "/v1/consents", token: dpop, proof: bank.proof("GET", "/v1/consents", token: dpop))
            #expect(answer.status == .ok, "\(String(buffer: answer.body))")
            #expect(try await client.send(.get, "/v1/consents", bearer: bearerToken).status == .ok)
        }
        // A key that is neither current nor retired signs nothing this broker accepts.
        var elsewhere = after
        elsewhere.settings.given.keys?.retiredKeys = []
        try await elsewhere.test { (client: any TestClientProtocol) async throws in
            let answer = try await client.dpop(.get, "/v1/consents", token: dpop, proof: bank.proof("GET", "/v1/consents", token: dpop))
            #expect(answer.status == .unauthorized && answer.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
        }
    }

    /// The broker issues tokens for 300 s from now: one signed with its key that claims a longer
    /// life, or an issue time ahead (what a retired or leaked key could mint for itself), is refused,
    /// while the same claims re-signed unchanged are served.
    @Test func aTokenLivingLongerThanTheBrokerIssuesOrIssuedAheadIsRefused() async throws {
        let broker = try await harness()
        try await broker.test { (client: any TestClientProtocol) async throws in
            let issued = try #require(try await client.token(KeyBank.grant(bank.assertion())).json["access_token"] as? String)
            let parts = issued.split(separator: ".").map { Data(Base64URL.decode(String($0)) ?? []) }
            let header = try #require(try JSONSerialization.jsonObject(with: parts[0]) as? [String: Any])
            let claims = try #require(try JSONSerialization.jsonObject(with: parts[1]) as? [String: Any])
            let iat = try #require(claims["iat"] as? Int)
            func signed(_ change: (inout [String: Any]) -> Void) -> String {
                var changed = claims
                change(&changed)
                return HandJWS.es256(header: header, claims: changed, key: broker.keys.bundleSigner.privateKey)
            }
            #expect(try await client.send(.get, "/v1/consents", bearer: signed { _ in }).status == .ok)
            for token in [signed { $0["exp"] = iat + 3_600 }, signed { $0["iat"] = iat + 600; $0["exp"] = iat + 900 }] {
                let answer = try await client.send(.get, "/v1/consents", bearer: token)
                #expect(answer.status == .unauthorized && answer.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            }
        }
    }

    /// Instances' clocks differ a little. An assertion used on one is refused on another whose clock
    /// runs 30 s behind, also after a third, 30 s ahead, has purged the single-use values that
    /// expired by its own clock.
    @Test func anAssertionUsedOnceIsRefusedOnAnInstanceWhoseClockRunsBehind() async throws {
        let onTime = try await harness()
        var ahead = onTime
        ahead.settings.clock = { Date().addingTimeInterval(90) }
        var behind = onTime
        behind.settings.clock = { Date().addingTimeInterval(-30) }
        let assertion = bank.assertion()
        try await onTime.test { (client: any TestClientProtocol) async throws in
            #expect(try await client.token(KeyBank.grant(assertion)).status == .ok)
        }
        try await ahead.test { (client: any TestClientProtocol) async throws in
            let later = bank.assertion { $0 = bank.claims(now: Date().addingTimeInterval(90)) }
            #expect(try await client.token(KeyBank.grant(later)).status == .ok)
        }
        try await behind.test { (client: any TestClientProtocol) async throws in
            let replayed = try await client.token(KeyBank.grant(assertion))
            #expect(replayed.status == .badRequest && oauthError(replayed) == "invalid_grant")
        }
    }

    /// A caller cannot learn which kids a bank has: an unknown kid and a registered kid whose key
    /// does not verify the signature get the same answer, word for word.
    @Test func anUnknownKidAndAWrongSignatureAreOneAnswer() async throws {
        let stranger = P256.Signing.PrivateKey()
        try await harness().test { (client: any TestClientProtocol) async throws in
            let claims = bank.claims()
            let unknown = try await client.token(KeyBank.grant(HandJWS.es256(header: ["alg": "ES256", "kid": "nobody"], claims: claims, key: stranger)))
            let wrong = try await client.token(KeyBank.grant(HandJWS.es256(header: ["alg": "ES256", "kid": bank.kid], claims: claims, key: stranger)))
            #expect(unknown.status == .badRequest && oauthError(unknown) == "invalid_grant")
            #expect(unknown.status == wrong.status && String(buffer: unknown.body) == String(buffer: wrong.body))
            // The same with an algorithm the registered key does not sign with.
            let rsa = try await client.token(KeyBank.grant(HandJWS.es256(header: ["alg": "RS256", "kid": bank.kid], claims: claims, key: stranger)))
            let rsaUnknown = try await client.token(KeyBank.grant(HandJWS.es256(header: ["alg": "RS256", "kid": "nobody"], claims: claims, key: stranger)))
            #expect(String(buffer: rsa.body) == String(buffer: rsaUnknown.body) && String(buffer: rsa.body) == String(buffer: unknown.body))
        }
    }

    /// A token grant counts against the bank's own rate, shared with its API calls; over it, 429
    /// with `Retry-After`.
    @Test func tokenGrantsAreRateLimitedPerBank() async throws {
        let harness = try await harness { $0.limits.rate = RateLimiter.Rule(perSecond: 0.001, burst: 2) }
        try await harness.test { (client: any TestClientProtocol) async throws in
            #expect(try await client.token(KeyBank.grant(bank.assertion())).status == .ok)
            #expect(try await client.token(KeyBank.grant(bank.assertion())).status == .ok)
            let assertion = bank.assertion()
            let limited = try await client.token(KeyBank.grant(assertion))
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil, "\(String(buffer: limited.body))")
            // Another bank has its own bucket.
            #expect(try await client.token(KeyBank.grant(other.assertion())).status == .ok)
        }
    }
}
