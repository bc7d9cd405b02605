import LogVerification
import Testing
import TransparencyLog
import TestSupport

/// `audit verify` reads a log as C2SP entry bundles, and only when those do not lead to the signed
/// root reads its pages, which name the entry at fault. 600 entries: two full bundles, one partial.
@Suite(.sameOnEveryBackend) struct BundleReadingTests {
    static func verify(_ log: InMemoryLog) async throws -> LogVerificationResult {
        try await LogAuditor(source: log, pageSize: 50, bundleWindow: 2).verify(logKey: log.logKey, trusted: nil)
    }

    @Test(arguments: [1, 255, 256, 257, 600]) func anIntactLogIsReadAsBundlesAlone(size: Int) async throws {
        let log = try InMemoryLog(size: size)
        var progress: [UInt64] = []
        let result = try await LogAuditor(source: log, bundleWindow: 2).verify(logKey: log.logKey, trusted: nil) { done, _ in progress.append(done) }
        let verified = try LogAuditorTests.verified(result)
        #expect(verified.checkpoint.size == UInt64(size) && verified.readAsEntryBundles)
        #expect(log.reads.bundles == (size + 255) / 256)
        #expect(log.reads.pages == 0)
        let tileEnds: [UInt64] = stride(from: 256, to: size, by: 256).map { UInt64($0) }
        #expect(progress == [0] + tileEnds + [UInt64(size)])
    }

    @Test func bundlesThatArriveOutOfOrderAreFoldedInOrder() async throws {
        var log = try InMemoryLog(size: 600)
        log.slowBundles = [0, 1]
        let result = try await LogAuditor(source: log, bundleWindow: 3).verify(logKey: log.logKey, trusted: nil)
        #expect(try LogAuditorTests.verified(result).readAsEntryBundles)
    }

    @Test(arguments: [0, 255, 256, 511, 599]) func aChangedEntryInAnyBundleIsNamedFromThePages(index: Int) async throws {
        var log = try InMemoryLog(size: 600)
        log.changeByte(of: index)
        #expect(try LogAuditorTests.failure(await Self.verify(log)).reason == .changedEntry(index: UInt64(index)))
        #expect(log.reads.pages > 0)
    }

    @Test(arguments: [0, 256, 599]) func aDeletedRowInAnyBundleIsNamedFromThePages(index: Int) async throws {
        var log = try InMemoryLog(size: 600)
        log.served.remove(at: index)
        let failure = try LogAuditorTests.failure(await Self.verify(log))
        #expect(failure.reason == .missingEntry(index: UInt64(index), next: index == 599 ? nil : UInt64(index + 1), checkpointSize: 600))
    }

    @Test func swappedRowsInTwoBundlesAreNamed() async throws {
        var log = try InMemoryLog(size: 600)
        log.swapLeaves(300, 40)
        #expect(try LogAuditorTests.failure(await Self.verify(log)).reason == .misplacedEntry(index: 40, claimed: 300))
    }

    /// Bundles served from somewhere else than the entries: the pages verify, so the bundles are
    /// what is wrong, and the failure says so, at the first entry they got wrong when there is one.
    @Test func bundlesThatDisagreeWithTheEntriesFail() async throws {
        let log = try InMemoryLog(size: 600)
        var changed = log
        changed.changeByte(of: 300)
        var cases: [(InMemoryLog, UInt64?)] = []
        var edited = log
        edited.bundled[300] = changed.served[300].leaf
        cases.append((edited, nil))
        edited = log
        edited.bundled[513] = Array(log.served[513].leaf.dropLast())
        cases.append((edited, 513))
        edited = log
        edited.bundled[7] = log.served[8].leaf
        cases.append((edited, 7))
        edited = log
        edited.bundleTail = [0]
        cases.append((edited, 0))
        for (tampered, index) in cases {
            let failure = try LogAuditorTests.failure(await Self.verify(tampered))
            guard case .bundlesDisagree(index, _) = failure.reason else { Issue.record("\(failure)"); continue }
            #expect(failure.firstBadIndex == index)
            #expect(failure.description.hasPrefix("the log's entries verify, but its entry bundles do not serve them"))
        }
    }

    @Test func aLogThatServesNoBundlesIsVerifiedFromItsPages() async throws {
        var log = try InMemoryLog(size: 300)
        log.servesBundles = false
        let verified = try LogAuditorTests.verified(await Self.verify(log))
        #expect(verified.checkpoint.size == 300 && !verified.readAsEntryBundles)
        #expect(log.reads.pages == 6)
        log.changeByte(of: 299)
        #expect(try LogAuditorTests.failure(await Self.verify(log)).reason == .changedEntry(index: 299))
    }
}
