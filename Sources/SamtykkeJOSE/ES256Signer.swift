import Crypto
import Foundation
import SamtykkeCore
import JWTKit

/// The broker's signing key for bundles and consent tokens: P-256 / ES256, identified by the RFC 7638
/// thumbprint of its public half so any JOSE library can find it in the published JWKS.
public struct ES256Signer: Sendable {
    public let privateKey: P256.Signing.PrivateKey
    public let publicJWK: PublicJWK
    private let keys: JWTKeyCollection

    public init(privateKey: P256.Signing.PrivateKey) async throws {
        self.privateKey = privateKey
        self.publicJWK = PublicJWK(privateKey.publicKey)
        self.keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(backing: privateKey), kid: JWKIdentifier(string: publicJWK.kid))
    }

    public var kid: String { publicJWK.kid }

    /// Signs `payload` as a compact JWS with `alg` ES256, this key's `kid`, and `typ`.
    public func sign(_ payload: some JWTPayload, typ: String) async throws -> String {
        var header = JWTHeader()
        header.alg = "ES256"
        header.typ = typ
        return try await keys.sign(payload, kid: JWKIdentifier(string: kid), header: header)
    }
}
