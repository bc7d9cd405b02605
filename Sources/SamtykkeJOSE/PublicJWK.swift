import Crypto
import Foundation
import SamtykkeCore

/// A public P-256 signing key as published in a JWKS, with its RFC 7638 thumbprint as `kid`.
public struct PublicJWK: Sendable, Hashable, Codable {
    public let kty: String
    public let crv: String
    public let x: String
    public let y: String
    public let kid: String
    public let use: String
    public let alg: String

    public init(_ key: P256.Signing.PublicKey) {
        let raw = Array(key.rawRepresentation)
        self.kty = "EC"
        self.crv = "P-256"
        self.x = Base64URL.encode(raw[0..<32])
        self.y = Base64URL.encode(raw[32..<64])
        self.kid = Self.thumbprint(x: x, y: y)
        self.use = "sig"
        self.alg = "ES256"
    }

    /// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
    public static func thumbprint(x: String, y: String) -> String {
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return Base64URL.encode(SHA256.hash(data: Array(canonical.utf8)))
    }

    public var publicKey: P256.Signing.PublicKey {
        get throws {
            guard let x = Base64URL.decode(x), let y = Base64URL.decode(y), x.count == 32, y.count == 32 else {
                throw JOSEError.malformed("JWK \(kid) has malformed coordinates")
            }
            return try P256.Signing.PublicKey(rawRepresentation: x + y)
        }
    }
}

/// A JSON Web Key Set: `{"keys": [...]}`.
public struct JWKSet: Sendable, Hashable, Codable {
    public var keys: [PublicJWK]

    public init(keys: [PublicJWK]) { self.keys = keys }
}
