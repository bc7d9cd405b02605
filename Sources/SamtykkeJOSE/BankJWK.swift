import Crypto
import Foundation
import JWTKit
import SamtykkeCore
import Synchronization

/// A public key a bank registered for `/v1/token` (SPEC §2c), or the key a DPoP proof carries:
/// EC P-256 for ES256 or RSA of at least 2048 bits for RS256, checked once when it is read, so
/// everything later can trust its members.
public struct BankJWK: Sendable, Hashable {
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case es256 = "ES256"
        case rs256 = "RS256"
    }

    /// The bank's name for the key; a DPoP proof's key has none (`nil`).
    public let kid: String?
    public let alg: Algorithm
    /// The key's required public members (RFC 7638 §3.2): `crv`, `x`, `y` or `e`, `n`.
    private let members: [(name: String, value: String)]

    public static func == (a: Self, b: Self) -> Bool { a.kid == b.kid && a.alg == b.alg && a.json == b.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }

    /// Members a public key never has: a JWK carrying them holds a private (or symmetric) key.
    static let privateMembers: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
    static let minimumRSABits = 2048

    /// Reads one JWK object. `requireKid`: a registered key must be named; a DPoP key need not be.
    public init(members object: [String: Any], requireKid: Bool) throws(JOSEError) {
        func string(_ name: String) throws(JOSEError) -> String? {
            guard let value = object[name] else { return nil }
            guard let text = value as? String else { throw .key("the JWK member \(name) is not a string") }
            return text
        }
        if let secret = object.keys.sorted().first(where: Self.privateMembers.contains) {
            throw .key("the JWK holds a private key (member \(secret)); send the public key only")
        }
        let kid = try string("kid")
        if requireKid {
            guard let kid, !kid.isEmpty, kid.utf8.count <= 128, kid.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw .key("every key needs a kid of 1 to 128 printable ASCII characters")
            }
        }
        if let use = try string("use"), use != "sig" { throw .key("key \(kid ?? "") has use \(use); only sig keys sign assertions") }
        let given = try string("alg")
        switch try string("kty") {
        case "EC":
            guard try string("crv") == "P-256", let x = try string("x"), let y = try string("y") else {
                throw .key("key \(kid ?? "") is EC but not P-256 with x and y")
            }
            guard let xb = Base64URL.decode(x), let yb = Base64URL.decode(y), xb.count == 32, yb.count == 32,
                (try? P256.Signing.PublicKey(rawRepresentation: xb + yb)) != nil
            else { throw .key("key \(kid ?? "") is not a point on P-256") }
            self.alg = .es256
            self.members = [("crv", "P-256"), ("kty", "EC"), ("x", Base64URL.encode(xb)), ("y", Base64URL.encode(yb))]
        case "RSA":
            guard let n = try string("n"), let e = try string("e"), let nb = Base64URL.decode(n), let eb = Base64URL.decode(e), !eb.isEmpty else {
                throw .key("key \(kid ?? "") is RSA without n and e")
            }
            let modulus = nb.drop { $0 == 0 }
            let bits = modulus.isEmpty ? 0 : modulus.count * 8 - modulus.first!.leadingZeroBitCount
            guard bits >= Self.minimumRSABits else { throw .key("key \(kid ?? "") is RSA of \(bits) bits; at least \(Self.minimumRSABits) are required") }
            self.alg = .rs256
            self.members = [("e", Base64URL.encode(eb.drop { $0 == 0 })), ("kty", "RSA"), ("n", Base64URL.encode(modulus))]
        case let other:
            throw .key("key \(kid ?? "") has kty \(other ?? "missing"); only EC P-256 (ES256) and RSA (RS256) are accepted")
        }
        if let given, given != alg.rawValue { throw .key("key \(kid ?? "") says alg \(given), but a key of its type signs with \(alg.rawValue)") }
        self.kid = kid
    }

    /// Reads a JWKS document (`{"keys": [...]}`): every key valid, each `kid` once.
    public static func set(from data: Data) throws(JOSEError) -> [BankJWK] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let list = object["keys"] as? [Any] else {
            throw .key("not a JWKS: a JSON object with a keys array")
        }
        guard !list.isEmpty else { throw .key("the JWKS holds no keys") }
        var keys: [BankJWK] = []
        for item in list {
            guard let members = item as? [String: Any] else { throw .key("a member of keys is not a JSON object") }
            let key = try BankJWK(members: members, requireKid: true)
            guard !keys.contains(where: { $0.kid == key.kid }) else { throw .key("kid \(key.kid!) appears twice in the JWKS") }
            keys.append(key)
        }
        return keys
    }

    /// The key as stored: its public members, `kid` and `alg`.
    public init(stored json: String) throws(JOSEError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { throw .key("a stored key is not JSON") }
        try self.init(members: object, requireKid: true)
    }

    /// Public members, `kid` and `alg`, keys sorted: what is stored and shown.
    public var json: String {
        var all = members
        if let kid { all.append(("kid", kid)) }
        all.append(("alg", alg.rawValue))
        all.sort { $0.name < $1.name }
        return "{" + all.map { "\(Self.quoted($0.name)):\(Self.quoted($0.value))" }.joined(separator: ",") + "}"
    }

    /// RFC 7638: base64url SHA-256 of the required members in lexicographic order, no whitespace.
    public var thumbprint: String {
        let canonical = "{" + members.map { "\(Self.quoted($0.name)):\(Self.quoted($0.value))" }.joined(separator: ",") + "}"
        return Base64URL.encode(SHA256.hash(data: Array(canonical.utf8)))
    }

    /// Member values are base64url or printable ASCII names (checked above), so only `"` and `\` need escaping.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// jwt-kit's key for verifying with exactly this key and algorithm. Remembered by its members: a
    /// bank signs every DPoP proof with the same key, and loading it costs more than a verification.
    /// The key itself, not jwt-kit's key collection (an actor): verifications need not queue for it.
    func algorithm() async throws(JOSEError) -> any JWTAlgorithm {
        let name = json
        if let known = Self.algorithms.withLock({ $0[name] }) { return known }
        var object: [String: String] = ["kid": "key", "alg": alg.rawValue]
        for member in members { object[member.name] = member.value }
        do {
            let jwk = try JSONDecoder().decode(JWK.self, from: JSONEncoder().encode(object))
            let algorithm = try await JWTKeyCollection().add(jwk: jwk).getKey(for: JWKIdentifier(string: "key"))
            Self.algorithms.withLock { algorithms in
                if algorithms.count >= 1024 { algorithms.removeAll() }
                algorithms[name] = algorithm
            }
            return algorithm
        } catch {
            throw .key("the key could not be loaded: \(error)")
        }
    }

    private static let algorithms = Mutex<[String: any JWTAlgorithm]>([:])
}
