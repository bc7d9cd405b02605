import CanonicalJSON
import Foundation
import SamtykkeCore
import JWTKit

/// Checks compact JWS signatures against a JWKS, allowing only the algorithms the caller names.
///
/// The header is read and checked here before jwt-kit sees the token, so `alg: none`, an HMAC
/// algorithm presented with a public key, an algorithm that is not the key's, a critical extension
/// or a wrong `typ` is refused by our rule, not by chance. (jwt-kit verifies with the algorithm the
/// key names and ignores `crit`.)
public struct JWSVerifier: Sendable {
    private let keys: JWTKeyCollection
    public let kids: Set<String>
    public let allowedAlgorithms: Set<String>
    /// What each key may sign with: its `alg`, or what its type allows when the JWKS names none.
    private let keyAlgorithms: [String: Set<String>]

    public init(jwksJSON: String, allowedAlgorithms: Set<String>) async throws(JOSEError) {
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwksJSON: jwksJSON)
        } catch {
            throw .key("the JWKS could not be read: \(error)")
        }
        struct Members: Decodable {
            struct Key: Decodable {
                let kid: String?
                let kty: String?
                let crv: String?
                let alg: String?
            }
            let keys: [Key]
        }
        let members = (try? JSONDecoder().decode(Members.self, from: Data(jwksJSON.utf8)))?.keys ?? []
        var keyAlgorithms: [String: Set<String>] = [:]
        for key in members {
            guard let kid = key.kid else { continue }
            keyAlgorithms[kid] = key.alg.map { [$0] } ?? Self.algorithms(kty: key.kty, crv: key.crv)
        }
        self.keys = keys
        self.kids = Set(keyAlgorithms.keys)
        self.allowedAlgorithms = allowedAlgorithms
        self.keyAlgorithms = keyAlgorithms
    }

    /// RFC 7518 §3.1: the algorithms a key of this type can sign with.
    static func algorithms(kty: String?, crv: String?) -> Set<String> {
        switch (kty, crv) {
        case ("EC", "P-256"): ["ES256"]
        case ("EC", "P-384"): ["ES384"]
        case ("EC", "P-521"): ["ES512"]
        case ("RSA", _): ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
        case ("OKP", "Ed25519"): ["EdDSA"]
        default: []
        }
    }

    public init(jwks: JWKSet) async throws(JOSEError) {
        let json = String(decoding: (try? JSONEncoder().encode(jwks)) ?? Data(), as: UTF8.self)
        try await self.init(jwksJSON: json, allowedAlgorithms: ["ES256"])
    }

    /// The protected header of a compact JWS, decoded without verifying anything.
    public struct Header: Sendable, Decodable {
        public let alg: String
        public let kid: String?
        public let typ: String?
        /// Extensions the token says a verifier must understand (RFC 7515 §4.1.11); we know none.
        public let crit: [String]?
    }

    public static func header(of token: String) throws(JOSEError) -> Header {
        try CompactJWS(token).decodedHeader()
    }

    /// The protected header from its JSON bytes.
    static func header(decoding bytes: [UInt8]) throws(JOSEError) -> Header {
        try checkStructure(bytes, of: "header")
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes)) else {
            throw .malformed("the header is not base64url JSON with an alg")
        }
        return header
    }

    /// Deepest nesting a header or claims set may have: tokens are shallow, consent tokens' proofs included.
    static let maxDepth = 32

    /// Refuses a member given twice (an ID token with two `pid`s): our checks and jwt-kit's decoder
    /// could each take a different one, so which one counts is never left to a decoder.
    static func checkStructure(_ json: [UInt8], of part: String) throws(JOSEError) {
        do {
            try JSONStructure.check(json, maxDepth: maxDepth)
        } catch {
            throw .malformed("the \(part) is not usable: \(error)")
        }
    }

    /// Verifies the signature and decodes the claims. Claims are *not* judged here; each token type
    /// checks its own against an injected clock.
    ///
    /// The token is split and each part decoded once, here, with jwt-kit's key for `kid`: a consent
    /// token carries its log proof, kilobytes, and jwt-kit's own `verify` split and decoded it again.
    public func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type, typ: String? = nil) async throws(JOSEError) -> Payload {
        let jws = try CompactJWS(token)
        let header = try jws.decodedHeader()
        guard allowedAlgorithms.contains(header.alg) else {
            throw .badSignature("algorithm \(header.alg) is not accepted")
        }
        if let typ, header.typ?.lowercased() != typ.lowercased() {
            throw .malformed("typ is \(header.typ ?? "missing"), expected \(typ)")
        }
        guard header.crit == nil else { throw .malformed("the header names critical extensions, none of which is supported") }
        guard let kid = header.kid else { throw .malformed("the header has no kid") }
        guard let keyAlgorithms = keyAlgorithms[kid] else { throw .badSignature("no key with kid \(kid) in the JWKS") }
        guard keyAlgorithms.contains(header.alg) else {
            throw .badSignature("key \(kid) does not sign with \(header.alg)")
        }
        let algorithm: any JWTAlgorithm
        do {
            algorithm = try await keys.getKey(for: JWKIdentifier(string: kid), alg: header.alg)
        } catch {
            throw .badSignature("no key with kid \(kid) in the JWKS")
        }
        do {
            return try jws.claims(as: Payload.self, verifiedBy: algorithm)
        } catch .badSignature {
            throw .badSignature("the signature does not match key \(kid)")
        }
    }
}
