import Crypto
import Foundation
import JWTKit
import SamtykkeCore
import Synchronization

/// An RFC 9449 DPoP proof, verified: the key that signed it (its thumbprint binds tokens) and the
/// `jti` the caller must see used only once.
public struct DPoPProof: Sendable {
    public let thumbprint: String
    public let jti: String
    /// When the proof stops being fresh: its `jti` must be remembered until then.
    public let freshUntil: Date

    public static let typ = "dpop+jwt"
    /// SPEC §2c: `iat` within this many seconds of the broker's clock, either way.
    public static let window = 60

    struct Claims: JWTPayload {
        let jti: String
        let htm: String
        let htu: String
        let iat: Int
        let ath: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Checks `proof` for a request of `method` to `url` (the broker's public URL and the path),
    /// at `now`; with `accessToken`, `ath` must be its hash (RFC 9449 §4.3).
    public static func verify(_ proof: String, method: String, url: String, accessToken: String?, now: Date) async throws(JOSEError) -> DPoPProof {
        guard let jws = try? CompactJWS(proof) else { throw .malformed("the DPoP proof is not a compact JWS") }
        let key = try await Key.judged(header: jws.header)
        let claims = try jws.claims(as: Claims.self, verifiedBy: key.algorithm)
        guard claims.htm == method else { throw .claim("htm is \(claims.htm), the request is \(method)") }
        // The same text names the same URL: only a different one is parsed and compared normalised
        // (a URLComponents parse is costly, and clients spell the URL as the broker does).
        guard claims.htu == url || HTU(url).map({ HTU(claims.htu) == $0 }) == true else { throw .claim("htu does not name this request's URL") }
        let seconds = Int(now.timeIntervalSince1970)
        // Compared without subtracting from iat, which a caller picks: Int.min - now would trap.
        guard claims.iat >= seconds - window, claims.iat <= seconds + window else { throw .claim("iat is more than \(window) s from the broker's clock") }
        try SingleUseID.check(claims.jti)
        if let accessToken {
            guard claims.ath == Base64URL.encode(SHA256.hash(data: Array(accessToken.utf8))) else { throw .claim("ath is not the access token's hash") }
        }
        // The jti is kept while the proof could still pass here, on any instance: iat + window is
        // compared with whole seconds, and another instance's clock may run behind this one's, so
        // twice the window, which covers both.
        return DPoPProof(thumbprint: key.thumbprint, jti: claims.jti, freshUntil: Date(timeIntervalSince1970: TimeInterval(claims.iat + 2 * window)))
    }

    /// The public key a proof's header carries, once the header is judged (`typ`, a public `jwk`,
    /// its algorithm, no `crit`), with its thumbprint. Remembered by the header as sent: a bank signs
    /// every proof with one key, so its proofs' headers are the same bytes, and reading one (JSON,
    /// the point on the curve, the thumbprint) costs more than verifying a signature.
    struct Key: Sendable {
        let thumbprint: String
        let algorithm: any JWTAlgorithm

        static func judged(header: Substring) async throws(JOSEError) -> Key {
            let text = String(header)
            if let known = remembered.withLock({ $0[text] }) { return known }
            guard let bytes = Base64URL.decode(text), let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw .malformed("the DPoP proof is not a compact JWS")
            }
            guard object["typ"] as? String == typ else { throw .malformed("the DPoP proof's typ must be \(typ)") }
            guard let members = object["jwk"] as? [String: Any] else { throw .malformed("the DPoP proof's header has no jwk") }
            let jwk = try BankJWK(members: members, requireKid: false)
            let key = Key(thumbprint: jwk.thumbprint, algorithm: try await jwk.algorithm(judging: bytes, typ: typ))
            remembered.withLock { remembered in
                if remembered.count >= 1024 { remembered.removeAll() }
                remembered[text] = key
            }
            return key
        }

        private static let remembered = Mutex<[String: Key]>([:])
    }
}

/// An `htu` as RFC 9449 §4.3 compares it: without query and fragment, after RFC 3986's syntax-based
/// (§6.2.2: case of scheme and host, percent-encoding) and scheme-based (§6.2.3: default port, empty
/// path) normalisation.
struct HTU: Equatable {
    let text: String

    init?(_ given: String) {
        guard let components = URLComponents(string: given), let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        let port = components.port.flatMap { $0 == defaultPort ? nil : $0 }
        let path = components.percentEncodedPath.isEmpty ? "/" : Self.normalisedPercentEncoding(components.percentEncodedPath)
        text = "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)"
    }

    /// Upper-case hex digits in every escape, and unreserved characters unescaped.
    private static func normalisedPercentEncoding(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        var out = ""
        var bytes = Array(path.utf8)[...]
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            guard byte == UInt8(ascii: "%"), bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
                continue
            }
            bytes = bytes.dropFirst(2)
            let scalar = Unicode.Scalar(value)
            if scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || "-._~".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(value, radix: 16, uppercase: true).leftPadded
            }
        }
        return out
    }
}

private extension String {
    var leftPadded: String { count == 1 ? "0" + self : self }
}
