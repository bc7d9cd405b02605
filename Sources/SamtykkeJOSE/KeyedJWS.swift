import Foundation
import JWTKit
import SamtykkeCore

extension BankJWK {
    /// Verifies a compact JWS signed by this key and decodes its claims, which the caller judges.
    /// The header is judged first, by our rule: the key's own algorithm only (so `none`, HS256 and any
    /// algorithm the key does not sign with fail here), the `typ` asked for, no critical extensions.
    public func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type, typ: String?) async throws(JOSEError) -> Payload {
        let header = try JWSVerifier.header(of: token)
        // A member given twice would be read by whichever one the decoder keeps.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let claims = Base64URL.decode(String(parts[1])) else { throw .malformed("the claims are not base64url") }
        try JWSVerifier.checkStructure(claims, of: "claims set")
        guard header.alg == alg.rawValue else { throw .badSignature("algorithm \(header.alg) is not accepted; this key signs with \(alg.rawValue)") }
        if let typ, header.typ?.lowercased() != typ { throw .malformed("typ is \(header.typ ?? "missing"), expected \(typ)") }
        guard header.crit == nil else { throw .malformed("the header names critical extensions, none of which is supported") }
        // jwt-kit looks the key up by the header's kid; a DPoP proof's header has none, and then the
        // collection's only key (its default) is used.
        let keys = try await keyCollection(as: header.kid ?? kid ?? "dpop")
        do {
            return try await keys.verify(token, as: Payload.self)
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw .malformed(error.reason ?? "claims could not be decoded")
        } catch {
            throw .badSignature("the signature does not match the key")
        }
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
