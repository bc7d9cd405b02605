import Foundation
import LogVerification
import SamtykkeCore
import Testing
import TransparencyLog
import TestSupport

/// An auditor's pass asks for openings three entry bundles at a time (issue 27 point 7), and each
/// bundle still finds all of its own: across a page's edge, and where a forgotten consent's
/// entries have none.
@Suite(.sameOnEveryBackend) struct OpeningPagesTests {
    /// The log's openings, counting the requests for them.
    struct CountingOpenings: AuditorOpeningSource {
        let log: SealedLog
        let requests = Requests()

        actor Requests {
            private(set) var starts: [UInt64] = []
            func add(_ start: UInt64) { starts.append(start) }
        }

        func openings(start: UInt64, limit: Int) async throws -> [ServedOpening] {
            await requests.add(start)
            return try await log.openings(start: start, limit: limit)
        }
    }

    /// 766 v1 entries put the v2 ones at 766...774, across the edge of the first page (768): the
    /// forgotten consent's entries 772 and 773 have no opening, its `consent.forgotten` at 774 has.
    @Test func openingsComeThreeBundlesAtATimeAndEachBundleFindsItsOwn() async throws {
        let log = try SealedLog(v1: 766)
        let openings = CountingOpenings(log: log)
        let result = try await LogAuditor(source: log, openings: openings, readsPages: false).verify(logKey: log.log.logKey, trusted: nil)
        guard case .verified(let verified) = result, let opened = verified.opened else { Issue.record("\(result)"); return }
        #expect(opened.opened == 7 && opened.v1Entries == 766 && opened.withoutOpening == 2, "\(opened)")
        #expect(await openings.requests.starts.sorted() == [0, 768])
    }

    /// An opening the page leaves out is still missed: the entry is named, across the page's edge.
    @Test func anOpeningMissingFromTheSecondPageIsNamed() async throws {
        var log = try SealedLog(v1: 766)
        log.log.openings[769] = nil
        let result = try await LogAuditor(source: log, openings: log, readsPages: false).verify(logKey: log.log.logKey, trusted: nil)
        guard case .failed(let failure) = result else { Issue.record("\(result)"); return }
        #expect(failure.reason == .unopened(index: 769), "\(failure)")
    }
}
