import Crypto
import SamtykkeCore

/// RFC 8705 §3.1 `x5t#S256`: what a consent token's `cnf` binds it to, and what the agency compares
/// with the certificate of the connection it came in on.
public enum CertificateThumbprint {
    /// base64url(SHA-256(DER of the certificate)).
    public static func sha256(der: [UInt8]) -> String {
        Base64URL.encode(SHA256.hash(data: der))
    }
}
