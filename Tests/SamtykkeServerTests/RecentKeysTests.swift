import Synchronization
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport
@testable import SamtykkeServer

/// An accepted key is looked up once per lifetime; a refused one every time; a stale one again.
@Suite(.sameOnEveryBackend) struct RecentKeysTests {
    final class Lookups: Sendable {
        let count = Atomic<Int>(0)
        let answer: Principal?
        init(_ answer: Principal?) { self.answer = answer }
        func lookup() -> Principal? {
            count.wrappingAdd(1, ordering: .relaxed)
            return answer
        }
    }

    static let bank = Principal.bank(try! OrgNumber("923609016"))

    @Test func anAcceptedKeyIsLookedUpOncePerLifetime() async throws {
        let recent = RecentKeys(lifetime: .seconds(60))
        let store = Lookups(Self.bank)
        for _ in 0..<5 { #expect(try await recent.principal(of: "sbk_a.b", lookup: { store.lookup() }) == Self.bank) }
        #expect(store.count.load(ordering: .relaxed) == 1)
        // Another key is its own entry.
        #expect(try await recent.principal(of: "sbk_a.c", lookup: { store.lookup() }) == Self.bank)
        #expect(store.count.load(ordering: .relaxed) == 2)
    }

    @Test func aRefusedKeyIsAskedEveryTime() async throws {
        let recent = RecentKeys(lifetime: .seconds(60))
        let store = Lookups(nil)
        for _ in 0..<3 { #expect(try await recent.principal(of: "sbk_unknown.x", lookup: { store.lookup() }) == nil) }
        #expect(store.count.load(ordering: .relaxed) == 3)
    }

    /// A revoked key: accepted, then past the lifetime the store refuses it and so does the table.
    @Test func aKeyRevokedIsRefusedOnceItsLifetimeIsOver() async throws {
        let recent = RecentKeys(lifetime: .milliseconds(100))
        #expect(try await recent.principal(of: "sbk_a.b", lookup: { Self.bank }) == Self.bank)
        #expect(try await recent.principal(of: "sbk_a.b", lookup: { nil }) == Self.bank)
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await recent.principal(of: "sbk_a.b", lookup: { nil }) == nil)
        #expect(try await recent.principal(of: "sbk_a.b", lookup: { Self.bank }) == Self.bank)
    }
}
