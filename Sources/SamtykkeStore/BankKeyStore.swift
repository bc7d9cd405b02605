import Foundation
import SamtykkeCore

/// Banks' public keys for `/v1/token` (SPEC §2c). The store keeps each key's JSON as it was handed
/// over; what a valid key is, is SamtykkeJOSE's to say before it gets here.
public protocol BankKeyStore: Sendable {
    /// Registers a bank with public keys and no API key.
    func addBank(org: OrgNumber, name: String, publicKeys: [RegisteredKey], now: Date) async throws
    /// Adds public keys to a registered bank (`bankNotFound`); a `kid` it already has is `bankKeyExists`
    /// and adds none of them.
    func addPublicKeys(_ keys: [RegisteredKey], org: OrgNumber, now: Date) async throws
    /// A bank's public keys, oldest first.
    func publicKeys(of org: OrgNumber) async throws -> [RegisteredKey]
    /// The key `kid` of `org`; nil when it has none (never had, or removed). Asked on every token
    /// request, so a key added or removed on any instance counts at once.
    func publicKey(of org: OrgNumber, kid: String) async throws -> RegisteredKey?
    /// Removes one; false when the bank has no key `kid`.
    func removePublicKey(of org: OrgNumber, kid: String) async throws -> Bool
}

/// Single-use values: grant assertions' and DPoP proofs' `jti`s, shared by every instance.
public protocol ReplayStore: Sendable {
    /// Records `uses` in order, in one durable transaction; each answer is false when its value was
    /// already recorded in its namespace (a replay), before or earlier in `uses`. Values whose time
    /// has passed at `now` are forgotten first: the credential carrying them is refused as expired by
    /// then anyway. A thrown error means none was recorded.
    func useOnce(_ uses: [SingleUse], now: Date) async throws -> [Bool]
}

extension ReplayStore {
    /// One value alone: false when it was already recorded in `namespace` (a replay).
    public func useOnce(_ value: String, namespace: String, expiresAt: Date, now: Date) async throws -> Bool {
        let firsts = try await useOnce([SingleUse(value, namespace: namespace, expiresAt: expiresAt)], now: now)
        guard firsts.count == 1 else { throw StoreFailure.corrupt("a single-use value was recorded with \(firsts.count) answers") }
        return firsts[0]
    }
}

/// A value that may be used once in its namespace, kept until `expiresAt`.
public struct SingleUse: Sendable, Hashable {
    public let value: String
    public let namespace: String
    public let expiresAt: Date

    public init(_ value: String, namespace: String, expiresAt: Date) {
        self.value = value
        self.namespace = namespace
        self.expiresAt = expiresAt
    }
}

/// A bank's public key as registered: its `kid`, its JWK (public members, `kid`, `alg`) and when.
public struct RegisteredKey: Sendable, Hashable {
    public let kid: String
    public let jwk: String
    public let createdAt: Date

    public init(kid: String, jwk: String, createdAt: Date) {
        self.kid = kid
        self.jwk = jwk
        self.createdAt = createdAt
    }
}
