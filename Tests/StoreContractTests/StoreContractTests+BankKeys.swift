import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing

/// Banks' public keys for /v1/token and the single-use values that refuse replays (SPEC §2c).
extension StoreContractTests {
    func key(_ kid: String, at time: Date? = nil) -> RegisteredKey {
        RegisteredKey(kid: kid, jwk: #"{"kid":"\#(kid)","kty":"EC"}"#, createdAt: time ?? now)
    }

    @Test(arguments: Backend.available)
    func aBankWithPublicKeysHasNoAPIKeyAndItsKeysAreFoundByKid(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            try await t.store.addBank(org: bank, name: "Nøkkel Bank", publicKeys: [key("k1"), key("k2")], now: now)
            #expect(try await t.store.bankKeys(org: bank).isEmpty)
            #expect(try await t.store.bankNames()[bank] == "Nøkkel Bank")
            #expect(try await t.store.publicKeys(of: bank).map(\.kid) == ["k1", "k2"])
            #expect(try await t.store.publicKey(of: bank, kid: "k2") == key("k2"))
            #expect(try await t.store.publicKey(of: bank, kid: "k3") == nil)
            #expect(try await t.store.publicKey(of: otherBank, kid: "k1") == nil)
            await #expect(throws: StorageError.bankExists(bank)) { try await t.store.addBank(org: bank, name: "Again", publicKeys: [key("k9")], now: now) }
        }
    }

    @Test(arguments: Backend.available)
    func aKidIsUniqueWithinItsBankAndAFailedAddAddsNothing(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            _ = try await t.store.addBank(org: otherBank, name: "Other Bank", now: now)
            try await t.store.addPublicKeys([key("k1")], org: bank, now: now)
            // Another bank may use the same kid.
            try await t.store.addPublicKeys([key("k1")], org: otherBank, now: now)
            await #expect(throws: StorageError.bankKeyExists(bank, kid: "k1")) {
                try await t.store.addPublicKeys([key("k2"), key("k1")], org: bank, now: now)
            }
            #expect(try await t.store.publicKeys(of: bank).map(\.kid) == ["k1"])
            let unknown = try OrgNumber("923609016")
            await #expect(throws: StorageError.bankNotFound(unknown)) { try await t.store.addPublicKeys([key("k1")], org: unknown, now: now) }
        }
    }

    @Test(arguments: Backend.available)
    func aRemovedKeyIsGoneForItsBankOnly(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            try await t.store.addBank(org: bank, name: "Test Sparebank", publicKeys: [key("k1"), key("k2", at: now.addingTimeInterval(1))], now: now)
            try await t.store.addBank(org: otherBank, name: "Other Bank", publicKeys: [key("k1")], now: now)
            #expect(try await t.store.removePublicKey(of: bank, kid: "k1"))
            #expect(try await !t.store.removePublicKey(of: bank, kid: "k1"))
            #expect(try await t.store.publicKey(of: bank, kid: "k1") == nil)
            #expect(try await t.store.publicKeys(of: bank).map(\.kid) == ["k2"])
            #expect(try await t.store.publicKey(of: otherBank, kid: "k1") != nil)
        }
    }

    @Test(arguments: Backend.available)
    func aValueIsUsableOnceUntilItExpiresPerNamespace(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let until = now.addingTimeInterval(120)
            let first = try await t.store.useOnce("jti-1", namespace: "a", expiresAt: until, now: now)
            let replayed = try await t.store.useOnce("jti-1", namespace: "a", expiresAt: until, now: now.addingTimeInterval(60))
            let elsewhere = try await t.store.useOnce("jti-1", namespace: "b", expiresAt: until, now: now)
            // Once its credential has expired the value is forgotten (that credential is refused as expired anyway).
            let afterExpiry = try await t.store.useOnce("jti-1", namespace: "a", expiresAt: until.addingTimeInterval(120), now: until)
            #expect(first && !replayed && elsewhere && afterExpiry)
        }
    }

    /// Calls at the same time each learn whether they came first: of many uses of one value exactly
    /// one is, and distinct values all are. (Through the log sequencer they share transactions:
    /// `StoreContractTests+SingleUseBatches.swift`.)
    @Test(arguments: Backend.available)
    func concurrentUsesOfOneValueHaveOneFirst(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let until = now.addingTimeInterval(120)
            let store = t.store
            let firsts = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<32 { group.addTask { try await store.useOnce("same", namespace: "c", expiresAt: until, now: now) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            let distinct = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<32 { group.addTask { try await store.useOnce("jti-\(n)", namespace: "c", expiresAt: until, now: now) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(firsts == 1 && distinct == 32)
        }
    }
}
