import Foundation
import Testing
import SamtykkeCore
import TestSupport

/// SPEC §4's public invariants, from public entries alone: an honest history passes, and each
/// kind of history the broker never writes is refused at its entry, naming the rule.
@Suite(.sameOnEveryBackend) struct PublicInvariantsTests {
    static let start = Date(timeIntervalSince1970: 1_796_552_130)
    static let validUntil = start.addingTimeInterval(10 * 86_400)

    /// Public entries of one consent, one a minute, in the order given.
    static func history(_ types: [AuditEntry.EntryType], maxUses: Int = 2, tag: ConsentTag = .random(), from first: Int = 0) throws -> [PublicEntry] {
        try types.enumerated().map { offset, type in
            try PublicEntry(
                index: UInt64(first + offset), time: start.addingTimeInterval(Double(offset) * 60), type: type, consent: tag,
                subject: .random(), commitment: .random(),
                terms: type == .consentRequested ? PublicEntry.Terms(validUntil: validUntil, maxUses: maxUses) : nil
            )
        }
    }

    /// The index of the first entry refused, and why; nil when all pass.
    static func firstRefused(_ entries: [PublicEntry]) -> (UInt64, String)? {
        var invariants = PublicInvariants()
        for entry in entries {
            do { try invariants.check(entry) } catch { return (entry.index, error.reason) }
        }
        return nil
    }

    @Test func honestHistoriesPass() throws {
        let used = try Self.history([
            .consentRequested, .bundleRefused, .consentGranted, .dataRequested, .bundleIssued, .dataRequested, .bundleRefused,
            .dataRequested, .bundleIssued, .consentExhausted, .bundleRefused, .consentForgotten,
        ])
        let denied = try Self.history([.consentRequested, .consentDenied, .consentForgotten], from: 100)
        let revoked = try Self.history([.consentRequested, .consentGranted, .dataRequested, .bundleIssued, .consentRevoked], maxUses: 5, from: 200)
        let lapsed = try Self.history([.consentRequested, .consentExpired, .bundleRefused], from: 300)
        let withdrawn = try Self.history([.consentRequested, .consentGranted, .consentWithdrawn], from: 400)
        // Consents interleave in the log; each is checked on its own.
        var mixed: [PublicEntry] = []
        for i in 0..<12 { for history in [used, denied, revoked, lapsed, withdrawn] where i < history.count { mixed.append(history[i]) } }
        #expect(Self.firstRefused(mixed) == nil)
        var invariants = PublicInvariants()
        for entry in mixed { try invariants.check(entry) }
        #expect(invariants.consentCount == 5 && invariants.forgottenCount == 2)
        // The forgotten consents' entries but their consent.forgotten lost their openings: 11 + 2.
        #expect(invariants.entryCount == mixed.count && invariants.shreddedEntryCount == 13)
    }

    @Test(arguments: [
        // A bundle after the citizen revoked (the tampering of issue 27: written straight into the database).
        ([.consentRequested, .consentGranted, .consentRevoked, .bundleIssued], 3, "revoked, not active"),
        ([.consentRequested, .consentGranted, .consentRevoked, .dataRequested], 3, "revoked, not active"),
        ([.consentRequested, .bundleIssued], 1, "pending, not active"),
        // More bundles than the terms allow, and exhaustion that is late, early or missing.
        ([.consentRequested, .consentGranted, .bundleIssued, .bundleIssued, .bundleIssued], 4, "must be consent.exhausted"),
        ([.consentRequested, .consentGranted, .bundleIssued, .bundleIssued, .consentRevoked], 4, "must be consent.exhausted"),
        ([.consentRequested, .consentGranted, .bundleIssued, .consentExhausted], 3, "not used up"),
        // Decisions the state machine does not have.
        ([.consentRequested, .consentGranted, .consentGranted], 2, "cannot be granted"),
        ([.consentRequested, .consentRevoked], 1, "cannot be revoked"),
        ([.consentRequested, .consentDenied, .consentGranted], 2, "cannot be granted"),
        // The first entry, a second request, and forgetting.
        ([.consentGranted], 0, "not consent.requested"),
        ([.consentRequested, .consentRequested], 1, "requested before"),
        ([.consentRequested, .consentGranted, .consentForgotten], 2, "not ended"),
        ([.consentRequested, .consentDenied, .consentForgotten, .bundleRefused], 3, "after the consent's consent.forgotten"),
    ] as [([AuditEntry.EntryType], UInt64, String)])
    func aHistoryTheBrokerNeverWritesIsRefusedAtItsEntry(_ types: [AuditEntry.EntryType], at index: UInt64, _ why: String) throws {
        let refused = try #require(Self.firstRefused(try Self.history(types)))
        #expect(refused.0 == index)
        #expect(refused.1.contains(why), "\(refused.1)")
    }

    @Test func aBundleAfterValidUntilIsRefused() throws {
        var entries = try Self.history([.consentRequested, .consentGranted])
        let late = Self.validUntil.addingTimeInterval(0.001)
        entries.append(try PublicEntry(
            index: 2, time: late, type: .bundleIssued, consent: entries[0].consent, subject: .random(), commitment: .random(), terms: nil
        ))
        let refused = try #require(Self.firstRefused(entries))
        #expect(refused.0 == 2 && refused.1.contains("after the consent's validUntil"), "\(refused.1)")
    }
}
