import Foundation
import LogVerification
import SamtykkeCore
import Testing
import TransparencyLog
import TestSupport

/// `audit verify` with no key reads a log that went on in v2 as one tree, and checks the public
/// invariants of its v2 entries (SPEC §4), whether it reads entry bundles or pages.
@Suite(.sameOnEveryBackend) struct PublicInvariantsAuditTests {
    static let start = Date(timeIntervalSince1970: 1_796_552_130)

    /// v2 leaves of one consent, from index `first` on, one a minute.
    static func leaves(_ types: [AuditEntry.EntryType], from first: UInt64, maxUses: Int = 2) throws -> [[UInt8]] {
        let tag = ConsentTag.random()
        return try types.enumerated().map { offset, type in
            try PublicEntry(
                index: first + UInt64(offset), time: start.addingTimeInterval(Double(offset) * 60), type: type, consent: tag,
                subject: .random(), commitment: .random(),
                terms: type == .consentRequested ? PublicEntry.Terms(validUntil: start.addingTimeInterval(86_400), maxUses: maxUses) : nil
            ).leafBytes()
        }
    }

    /// 300 v1 entries (a full entry bundle and more), then v2 consents: one used up and forgotten,
    /// one revoked, then `last` appended to the revoked one.
    static func log(last: [AuditEntry.EntryType] = [], servesBundles: Bool = true) throws -> InMemoryLog {
        var log = try InMemoryLog(size: 300)
        log.servesBundles = servesBundles
        try log.append(leaves: try leaves(
            [.consentRequested, .consentGranted, .dataRequested, .bundleIssued, .dataRequested, .bundleIssued, .consentExhausted, .consentForgotten],
            from: log.size
        ))
        try log.append(leaves: try leaves([.consentRequested, .consentGranted, .dataRequested, .bundleIssued, .consentRevoked] + last, from: log.size))
        return log
    }

    @Test(arguments: [true, false]) func anHonestMixedLogVerifies(servesBundles: Bool) async throws {
        let log = try Self.log(servesBundles: servesBundles)
        let result = try await LogAuditor(source: log, pageSize: 64).verify(logKey: log.logKey, trusted: nil)
        guard case .verified(let verified) = result else { Issue.record("\(result)"); return }
        #expect(verified.checkpoint.size == 313 && verified.readAsEntryBundles == servesBundles)
        #expect(verified.consentTags == 2 && verified.forgottenConsentTags == 1)
        // What retention could not shred (the 300 v1 entries) and what it did (7 entries without an opening).
        #expect(verified.v1Entries == 300 && verified.shreddedEntries == 7)
    }

    /// A bundle written after the citizen revoked, straight into the entry table past the triggers
    /// and then signed by the broker: the tree is sound, the history is not.
    @Test(arguments: [true, false]) func aBundleAfterRevokeIsNamed(servesBundles: Bool) async throws {
        let log = try Self.log(last: [.dataRequested, .bundleIssued], servesBundles: servesBundles)
        let result = try await LogAuditor(source: log, pageSize: 64).verify(logKey: log.logKey, trusted: nil)
        guard case .failed(let failure) = result else { Issue.record("\(result)"); return }
        #expect(failure.firstBadIndex == 313)
        #expect(failure.description.contains("revoked, not active"), "\(failure)")
    }

    @Test func aV2LeafOutOfCanonicalFormIsMalformed() async throws {
        var log = try InMemoryLog(size: 3)
        var leaf = try Self.leaves([.consentRequested], from: 3)[0]
        leaf.insert(UInt8(ascii: " "), at: 1)
        try log.append(leaves: [leaf])
        let result = try await LogAuditor(source: log, pageSize: 64).verify(logKey: log.logKey, trusted: nil)
        guard case .failed(let failure) = result, case .malformedEntry(let index, _) = failure.reason else { Issue.record("\(result)"); return }
        #expect(index == 3)
    }
}
