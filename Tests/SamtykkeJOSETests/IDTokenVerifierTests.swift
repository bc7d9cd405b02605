import Crypto
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import Testing
import TestSupport

/// The ID token rules beyond the signature, each against a token signed with a throwaway P-256 key
/// that differs from an accepted one in that rule alone.
@Suite(.sameOnEveryBackend) struct IDTokenVerifierTests {
    static let issuer = "https://idp.test.invalid"
    static let audience = "samtykke-broker"
    static let pid = "14830351257"
    static let now = Date(timeIntervalSince1970: 1_900_000_000)

    /// The claims of a token as a provider writes them; `nil` leaves a claim out.
    struct Claims: Encodable {
        var iss: String? = IDTokenVerifierTests.issuer
        var aud: [String]? = [IDTokenVerifierTests.audience]
        var azp: String?
        var sub: String? = IDTokenVerifierTests.pid
        var pid: String? = IDTokenVerifierTests.pid
        var acr: String? = "idporten-loa-substantial"
        var iat: Int? = Int(IDTokenVerifierTests.now.timeIntervalSince1970)
        var nbf: Int? = Int(IDTokenVerifierTests.now.timeIntervalSince1970)
        var exp: Int? = Int(IDTokenVerifierTests.now.timeIntervalSince1970) + 120
    }

    let key = P256.Signing.PrivateKey()

    /// A compact JWS of `claims`, ES256 with this test's key; `typ` nil leaves the header field out.
    func token(_ claims: Claims, typ: String? = "JWT") throws -> String {
        var header = ["alg": "ES256", "kid": PublicJWK(key.publicKey).kid]
        header["typ"] = typ
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let input = Base64URL.encode(try encoder.encode(header)) + "." + Base64URL.encode(try encoder.encode(claims))
        return input + "." + Base64URL.encode(try key.signature(for: Data(input.utf8)).rawRepresentation)
    }

    func verifier(maximumLifetime: TimeInterval = 600) throws -> IDTokenVerifier {
        let jwks = String(decoding: try JSONEncoder().encode(JWKSet(keys: [PublicJWK(key.publicKey)])), as: UTF8.self)
        return IDTokenVerifier(
            configuration: .init(issuer: Self.issuer, audience: Self.audience, maximumLifetime: maximumLifetime),
            loadJWKS: { jwks }
        )
    }

    func verify(_ token: String, maximumLifetime: TimeInterval = 600) async throws -> PersonID {
        try await verifier(maximumLifetime: maximumLifetime).verify(token, now: Self.now)
    }

    func expectRefused(_ token: String, maximumLifetime: TimeInterval = 600, _ refusal: JOSEError) async throws {
        await #expect(throws: refusal) { _ = try await verify(token, maximumLifetime: maximumLifetime) }
    }

    static let azpRefusal = JOSEError.claim("azp must name this broker when aud has several values")

    static func tooLong(_ seconds: Int) -> JOSEError {
        .claim("the ID token lives longer than \(seconds) s")
    }

    /// A compact JWS of the header and claims exactly as written, so a member can be given twice.
    func rawToken(header: String, claims: String) throws -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        return input + "." + Base64URL.encode(try key.signature(for: Data(input.utf8)).rawRepresentation)
    }

    /// A member given twice, in the claims or the header, is refused however it is spelled: which
    /// of the two a decoder takes is not what the token means.
    @Test func aRepeatedMemberIsRefused() async throws {
        let t = Int(Self.now.timeIntervalSince1970)
        let header = #"{"alg":"ES256","kid":"\#(PublicJWK(key.publicKey).kid)","typ":"JWT"}"#
        let claims = #"{"iss":"\#(Self.issuer)","aud":["\#(Self.audience)"],"sub":"\#(Self.pid)","acr":"idporten-loa-substantial","iat":\#(t),"nbf":\#(t),"exp":\#(t + 120),"#
        #expect(try await verify(try rawToken(header: header, claims: claims + #""pid":"\#(Self.pid)"}"#)).digits == Self.pid)
        try await expectRefused(try rawToken(header: header, claims: claims + #""pid":"\#(Self.pid)","pid":"24859045681"}"#),
                                .malformed("the claims set is not usable: the member pid is given more than once"))
        try await expectRefused(try rawToken(header: header, claims: claims + #""pid":"\#(Self.pid)","p\u0069d":"24859045681"}"#),
                                .malformed("the claims set is not usable: the member pid is given more than once"))
        let twoAlgs = #"{"alg":"ES256","kid":"\#(PublicJWK(key.publicKey).kid)","alg":"none"}"#
        try await expectRefused(try rawToken(header: twoAlgs, claims: claims + #""pid":"\#(Self.pid)"}"#),
                                .malformed("the header is not usable: the member alg is given more than once"))
    }

    @Test func aTokenAsIDPortenIssuesItIsAccepted() async throws {
        #expect(try await verify(try token(Claims())).digits == Self.pid)
    }

    @Test func typMayBeJWTInAnyCaseOrAbsent() async throws {
        #expect(try await verify(try token(Claims(), typ: "jwt")).digits == Self.pid)
        #expect(try await verify(try token(Claims(), typ: nil)).digits == Self.pid)
    }

    @Test(arguments: ["at+jwt", "application/at+jwt", "samtykke-consent+jwt", "logout+jwt"])
    func anotherKindOfTokenIsRefused(_ typ: String) async throws {
        try await expectRefused(try token(Claims(), typ: typ), .malformed("typ is \(typ), not an ID token's JWT"))
    }

    @Test func aLifetimeOverTheCapIsRefused() async throws {
        let t = Int(Self.now.timeIntervalSince1970)
        try await expectRefused(try token(Claims(exp: t + 100 * 365 * 86_400)), Self.tooLong(600))
        try await expectRefused(try token(Claims(exp: t + 601)), Self.tooLong(600))
        #expect(try await verify(try token(Claims(exp: t + 600))).digits == Self.pid)
    }

    @Test func theCapIsConfigurable() async throws {
        let t = Int(Self.now.timeIntervalSince1970)
        #expect(try await verify(try token(Claims(exp: t + 120)), maximumLifetime: 120).digits == Self.pid)
        try await expectRefused(try token(Claims(exp: t + 121)), maximumLifetime: 120, Self.tooLong(120))
    }

    /// Refused as claims that do not decode, before any rule reads them.
    @Test func iatIsRequired() async throws {
        let refusal = await #expect(throws: JOSEError.self) { _ = try await verify(try token(Claims(iat: nil))) }
        guard case .malformed(let why)? = refusal, why.contains("iat") else {
            Issue.record("\(String(describing: refusal)) is not a token refused for its missing iat")
            return
        }
    }

    /// `nbf` says now in each of these, so only `iat` is in the future.
    @Test func iatInTheFutureBeyondTheSkewIsRefused() async throws {
        let t = Int(Self.now.timeIntervalSince1970)
        let aYearAhead = t + 365 * 86_400
        try await expectRefused(try token(Claims(iat: aYearAhead, exp: aYearAhead + 120)), .claim("the ID token was issued in the future"))
        try await expectRefused(try token(Claims(iat: t + 31, exp: t + 151)), .claim("the ID token was issued in the future"))
        // Within the 30 s skew a provider's clock may run ahead.
        #expect(try await verify(try token(Claims(iat: t + 30, exp: t + 150))).digits == Self.pid)
    }

    @Test func severalAudiencesNeedAnAzpThatIsTheBroker() async throws {
        let audiences = [Self.audience, "another-client"]
        try await expectRefused(try token(Claims(aud: audiences)), Self.azpRefusal)
        try await expectRefused(try token(Claims(aud: audiences, azp: "another-client")), Self.azpRefusal)
        #expect(try await verify(try token(Claims(aud: audiences, azp: Self.audience))).digits == Self.pid)
    }

    @Test func anAzpThatIsNotTheBrokerIsRefusedEvenWithOneAudience() async throws {
        try await expectRefused(try token(Claims(azp: "another-client")), Self.azpRefusal)
        #expect(try await verify(try token(Claims(azp: Self.audience))).digits == Self.pid)
    }
}
