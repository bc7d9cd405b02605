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
    /// Records `value` in `namespace` until `expiresAt`; false when it was already recorded (a
    /// replay). Values whose time has passed are forgotten: the credential carrying them is refused
    /// as expired by then anyway.
    func useOnce(_ value: String, namespace: String, expiresAt: Date, now: Date) async throws -> Bool
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
