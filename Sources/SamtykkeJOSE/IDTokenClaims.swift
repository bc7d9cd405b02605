import Foundation
import JWTKit
import SamtykkeCore

/// The claims of an OpenID Connect ID token as ID-porten issues them; the citizen is `pid`.
public struct IDTokenClaims: JWTPayload, Sendable {
    public let iss: String
    public let aud: AudienceClaim
    /// The party the token was issued to; required by the verifier when `aud` has several values.
    public let azp: String?
    public let sub: String
    /// Required (a token without it does not decode): without it the lifetime has no bound.
    public let iat: Int
    public let exp: Int
    public let nbf: Int?
    public let acr: String?
    public let pid: String?
    /// The value the broker's web login sent to the provider; the callback demands it back.
    public let nonce: String?

    public init(issuer: String, audience: String, pid: String, acr: String, now: Date, lifetime: TimeInterval) {
        self.iss = issuer
        self.aud = AudienceClaim(value: [audience])
        self.azp = nil
        self.sub = pid
        self.iat = Int(now.timeIntervalSince1970)
        self.exp = iat + Int(lifetime)
        self.nbf = iat
        self.acr = acr
        self.pid = pid
        self.nonce = nil
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
