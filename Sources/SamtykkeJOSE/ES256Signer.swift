import Crypto
import Foundation
import SamtykkeCore

/// The broker's signing key for bundles and consent tokens: P-256 / ES256, identified by the RFC 7638
/// thumbprint of its public half so any JOSE library can find it in the published JWKS.
///
/// Signs with swift-crypto directly rather than through jwt-kit, whose key collection is an actor
/// (a hop per signature) and which encodes every payload with `JSONEncoder`: a bundle is signed on
/// every request, and its claims have their own encoding (`BundleClaims.payload()`).
public struct ES256Signer: Sendable {
    public let privateKey: P256.Signing.PrivateKey
    public let publicJWK: PublicJWK

    public init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
        self.publicJWK = PublicJWK(privateKey.publicKey)
    }

    public var kid: String { publicJWK.kid }

    /// Signs `payload` as a compact JWS with `alg` ES256, this key's `kid`, and `typ`, its claims
    /// encoded as JOSE libraries do (NumericDate fields as seconds since 1970).
    public func sign(_ payload: some Encodable, typ: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return try sign(payloadJSON: Array(encoder.encode(payload)), typ: typ)
    }

    /// A bundle, its claims written by `BundleClaims.payload()` (never through `sign(_:typ:)`, which
    /// would skip the check that every figure survives a double).
    public func sign(bundle claims: BundleClaims) throws -> String {
        try sign(payloadJSON: claims.payload(), typ: BundleClaims.typ)
    }

    /// Signs `payloadJSON`, the claims' UTF-8 JSON as they are to be read, as a compact JWS (RFC 7515
    /// §7.1): the ES256 signature is R and S as two 32-byte big-endian integers (RFC 7518 §3.4),
    /// which is swift-crypto's raw representation.
    public func sign(payloadJSON: [UInt8], typ: String) throws -> String {
        try sign(payloadJSON: payloadJSON, header: Header(alg: "ES256", kid: kid, typ: typ))
    }

    /// `sign(payloadJSON:typ:)` under a header of the caller's (a DPoP proof's carries its `jwk`).
    public func sign(payloadJSON: [UInt8], header: some Encodable) throws -> String {
        var signingInput = Base64URL.encode(try JSONEncoder().encode(header))
        signingInput += "."
        signingInput += Base64URL.encode(payloadJSON)
        let signature = try privateKey.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    private struct Header: Encodable {
        let alg: String
        let kid: String
        let typ: String
    }
}
