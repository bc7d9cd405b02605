import Foundation
import JWTKit
import SamtykkeCore

/// A compact JWS (RFC 7515 §7.1) split once: its header and claims as sent, and what its signature
/// covers, so that each part is decoded once however many checks read it.
struct CompactJWS {
    let header: Substring
    let claims: Substring
    let signature: Substring
    /// `header.claims`: the bytes the signature signs.
    let signingInput: Substring

    init(_ token: String) throws(JOSEError) {
        // By byte, not by Character: the parts are base64url, and a consent token carrying its log
        // proof is kilobytes, which split by Characters cost the agency more than the signature check.
        let parts = token.utf8.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false).map { Substring($0) }
        guard parts.count == 3, !parts[2].isEmpty else { throw .malformed("not a compact JWS of three parts") }
        (header, claims, signature) = (parts[0], parts[1], parts[2])
        signingInput = token[parts[0].startIndex..<parts[1].endIndex]
    }

    /// The protected header, its structure judged (`JWSVerifier.header(decoding:)`).
    func decodedHeader() throws(JOSEError) -> JWSVerifier.Header {
        guard let bytes = Base64URL.decode(String(header)) else { throw .malformed("the header is not base64url JSON with an alg") }
        return try JWSVerifier.header(decoding: bytes)
    }

    /// The claims, once the signature verifies by `algorithm` (a key whose header the caller judged);
    /// what they say, the caller judges.
    func claims<Claims: Decodable>(as _: Claims.Type, verifiedBy algorithm: any JWTAlgorithm) throws(JOSEError) -> Claims {
        guard let json = Base64URL.decode(String(claims)) else { throw .malformed("the claims are not base64url") }
        // A member given twice would be read by whichever one the decoder keeps.
        try JWSVerifier.checkStructure(json, of: "claims set")
        guard let signature = Base64URL.decode(String(signature)), (try? algorithm.verify(signature, signs: Array(signingInput.utf8))) == true else {
            throw .badSignature("the signature does not match the key")
        }
        do {
            return try JSONDecoder().decode(Claims.self, from: Data(json))
        } catch {
            throw .malformed("claims could not be decoded: \(error)")
        }
    }
}
