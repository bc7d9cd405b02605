import Crypto
import SamtykkeCore

/// A bank's or an auditor's API key: `<prefix>_<key id>.<secret>`.
///
/// The secret is 256 random bits, shown once when issued. Only its SHA-256 is stored; a plain hash is
/// enough because the secret has full entropy (nothing to brute-force), and the public key id lets the
/// broker find the row without comparing secrets against every key.
public struct APIKey: Sendable, Hashable {
    public enum Role: String, Sendable, Codable {
        case bank
        case auditor

        public var prefix: String {
            switch self {
            case .bank: "sbk"
            case .auditor: "sak"
            }
        }
    }

    public let role: Role
    public let keyID: String
    let secret: [UInt8]

    /// A fresh key from the system's CSPRNG.
    public static func generate(role: Role) -> APIKey {
        APIKey(role: role, keyID: RandomBytes.hex(8), secret: RandomBytes.make(32))
    }

    private init(role: Role, keyID: String, secret: [UInt8]) {
        self.role = role
        self.keyID = keyID
        self.secret = secret
    }

    /// Parses a presented key; nil for anything not shaped like one of ours.
    public init?(parsing text: String) {
        guard text.utf8.count <= 128 else { return nil }
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let role = [Role.bank, .auditor].first(where: { $0.prefix == parts[0] }) else { return nil }
        let idAndSecret = parts[1].split(separator: ".", maxSplits: 1)
        guard idAndSecret.count == 2, idAndSecret[0].utf8.count == 16,
            idAndSecret[0].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }),
            let secret = Base64URL.decode(String(idAndSecret[1])), secret.count == 32
        else { return nil }
        self.init(role: role, keyID: String(idAndSecret[0]), secret: secret)
    }

    /// The text handed to the key's owner, once.
    public var text: String {
        "\(role.prefix)_\(keyID).\(Base64URL.encode(secret))"
    }

    public var secretHash: [UInt8] { Array(SHA256.hash(data: secret)) }

    /// Compares against a stored hash in time independent of where the bytes differ.
    public func matches(storedHash: [UInt8]) -> Bool {
        let mine = secretHash
        guard storedHash.count == mine.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(mine, storedHash) { difference |= a ^ b }
        return difference == 0
    }
}

/// A live key's row as both backends read it by its public id.
public struct StoredAPIKey: Sendable {
    public var role: String
    public var bankOrg: String?
    public var auditorName: String?
    public var secretHash: [UInt8]

    public init(role: String, bankOrg: String?, auditorName: String?, secretHash: [UInt8]) {
        self.role = role
        self.bankOrg = bankOrg
        self.auditorName = auditorName
        self.secretHash = secretHash
    }
}

extension APIKey {
    /// Who this presented key belongs to, given the stored row with its id: nil unless the secret
    /// matches and the row is of the key's role. A row naming no valid party is `corrupt`.
    public func principal(of stored: StoredAPIKey) throws(StoreFailure) -> Principal? {
        guard matches(storedHash: stored.secretHash), stored.role == role.rawValue else { return nil }
        switch role {
        case .bank:
            guard let bankOrg = stored.bankOrg else { throw .corrupt("bank key \(keyID) names no bank") }
            guard let org = try? OrgNumber(bankOrg) else { throw .corrupt("bank key \(keyID) names bank \(bankOrg)") }
            return .bank(org)
        case .auditor:
            guard let auditorName = stored.auditorName else { throw .corrupt("auditor key \(keyID) names no auditor") }
            return .auditor(name: auditorName)
        }
    }
}

extension PartyStore {
    /// Who a presented key belongs to; nil for an unknown, malformed or revoked key.
    public func authenticate(_ presented: String) async throws -> Principal? {
        guard let key = APIKey(parsing: presented), let stored = try await liveKey(id: key.keyID) else { return nil }
        return try key.principal(of: stored)
    }
}
