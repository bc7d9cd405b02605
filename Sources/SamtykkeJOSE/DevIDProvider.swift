import Crypto
import Foundation
import SamtykkeCore

/// A stand-in for ID-porten on a developer's machine: mints ID tokens with the dev provider key that
/// `samtykke dev pki` makes. Never configured in production, where the issuer's own JWKS is used.
public struct DevIDProvider: Sendable {
    public static let issuer = "https://idp.samtykke.invalid"
    public static let audience = "samtykke"
    /// Longer than the broker accepts by default: the local stack (demo, tests) allows it, so a
    /// test can move the broker's clock an hour ahead with the same citizen logged in.
    public static let defaultLifetime: TimeInterval = 3600

    private let signer: ES256Signer

    public init(signer: ES256Signer) { self.signer = signer }

    public var jwks: JWKSet { JWKSet(keys: [signer.publicJWK]) }

    public func mint(
        pid: String, acr: String = "idporten-loa-high", audience: String = DevIDProvider.audience, issuer: String = DevIDProvider.issuer, now: Date = Date(),
        lifetime: TimeInterval = DevIDProvider.defaultLifetime
    ) throws -> String {
        let claims = IDTokenClaims(issuer: issuer, audience: audience, pid: pid, acr: acr, now: now, lifetime: lifetime)
        return try signer.sign(claims, typ: "JWT")
    }
}
