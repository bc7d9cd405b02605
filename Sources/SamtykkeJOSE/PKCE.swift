import Crypto
import Foundation
import SamtykkeCore

/// Proof Key for Code Exchange (RFC 7636), method `S256` only: `plain` protects nothing against an
/// attacker who sees the authorization request, so neither side here offers or accepts it.
public enum PKCE {
    public static let method = "S256"

    /// A fresh verifier: 32 random bytes, base64url (43 characters, as RFC 7636 §4.1 recommends).
    public static func verifier() -> String {
        Base64URL.encode(RandomBytes.make(32))
    }

    /// `BASE64URL(SHA256(ASCII(verifier)))`.
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(verifier.utf8)))
    }

    /// Whether `verifier` is well formed (43–128 unreserved characters, §4.1) and hashes to `challenge`.
    public static func verify(_ verifier: String, against challenge: String) -> Bool {
        isWellFormed(verifier) && self.challenge(for: verifier) == challenge
    }

    /// A challenge or verifier: 43–128 characters of `[A-Za-z0-9-._~]`.
    public static func isWellFormed(_ value: String) -> Bool {
        (43...128).contains(value.utf8.count) && value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
            default: false
            }
        }
    }
}
