import Foundation
import JWTKit
import SamtykkeCore

extension BankJWK {
    /// Verifies a compact JWS signed by this key and decodes its claims, which the caller judges.
    public func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type, typ: String?) async throws(JOSEError) -> Payload {
        let jws = try CompactJWS(token)
        guard let header = Base64URL.decode(String(jws.header)) else { throw .malformed("the header is not base64url JSON with an alg") }
        return try jws.claims(as: Payload.self, verifiedBy: try await algorithm(judging: header, typ: typ))
    }

    /// jwt-kit's verifier for this key, once the header (its JSON) is judged by our rule: the key's
    /// own algorithm only (so `none`, HS256 and any algorithm the key does not sign with fail here),
    /// the `typ` asked for, no critical extensions.
    func algorithm(judging headerJSON: [UInt8], typ: String?) async throws(JOSEError) -> any JWTAlgorithm {
        let header = try JWSVerifier.header(decoding: headerJSON)
        guard header.alg == alg.rawValue else { throw .badSignature("algorithm \(header.alg) is not accepted; this key signs with \(alg.rawValue)") }
        if let typ, header.typ?.lowercased() != typ { throw .malformed("typ is \(header.typ ?? "missing"), expected \(typ)") }
        guard header.crit == nil else { throw .malformed("the header names critical extensions, none of which is supported") }
        return try await algorithm()
    }

    /// The claims of a compact JWS, not verified: only to find which key is to verify it.
    public static func unverifiedClaims<Claims: Decodable>(of token: String, as _: Claims.Type) throws(JOSEError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(String(parts[1])), let claims = try? JSONDecoder().decode(Claims.self, from: Data(bytes)) else {
            throw .malformed("the claims are not base64url JSON")
        }
        return claims
    }
}
