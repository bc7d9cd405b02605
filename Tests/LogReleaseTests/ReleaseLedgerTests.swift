import Foundation
import LogRelease
import Testing
import TestSupport

/// SPEC §5 check 4 under load: claims that arrive together go to disk together, and still each
/// entry is released once, also when two claims for it race and after a restart.
@Suite(.sameOnEveryBackend) struct ReleaseLedgerTests {
    @Test func releasesEachEntryOnceWhenClaimsRace() async throws {
        try await withTemporaryPath { directory in
            let path = directory + "/releases"
            let ledger = try ReleaseLedger(path: path)
            // Every entry claimed twice at once: exactly one of the two is released.
            let released = await withTaskGroup(of: UInt64?.self) { group in
                for index in UInt64(0)..<200 {
                    for _ in 0..<2 {
                        group.addTask {
                            do throws(ReleaseRefusal) {
                                try await ledger.claim(index)
                                return index
                            } catch {
                                return nil
                            }
                        }
                    }
                }
                var released: [UInt64] = []
                for await index in group { if let index { released.append(index) } }
                return released
            }
            #expect(released.sorted() == Array(0..<200))
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { UInt64($0) }
            #expect(lines.sorted() == Array(0..<200), "each release on disk once")
            let restarted = try ReleaseLedger(path: path)
            for index in [UInt64(0), 117, 199] {
                await #expect(throws: ReleaseRefusal.self) { try await restarted.claim(index) }
            }
            try await restarted.claim(200)
        }
    }

    @Test func refusesWhatItCouldNotRecordAndRecordsItOnceItCan() async throws {
        try await withTemporaryPath { directory in
            let blocked = directory + "/gone"
            try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: true)
            let ledger = try ReleaseLedger(path: blocked + "/releases")
            try FileManager.default.removeItem(atPath: blocked)
            let refusal = await #expect(throws: ReleaseRefusal.self) { try await ledger.claim(7) }
            #expect(refusal?.check == .release && refusal?.reason.contains("could not be recorded") == true)
            // Not released, so not held against the entry either.
            try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: true)
            try await ledger.claim(7)
            #expect(try String(contentsOfFile: blocked + "/releases", encoding: .utf8) == "7\n")
        }
    }

    /// A crash in the middle of an append leaves an unfinished last line. It is not a release, and
    /// the next append must not run on from it: `8` and a later `5` would read back as `85`, and
    /// entry 5 could be released a second time after the next restart.
    @Test func anUnfinishedLastLineIsCutOffBeforeTheNextAppend() async throws {
        try await withTemporaryPath { directory in
            let path = directory + "/releases"
            try Data("3\n8".utf8).write(to: URL(fileURLWithPath: path))
            let ledger = try ReleaseLedger(path: path)
            try await ledger.claim(5)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "3\n5\n")
            let restarted = try ReleaseLedger(path: path)
            let refusal = await #expect(throws: ReleaseRefusal.self) { try await restarted.claim(5) }
            #expect(refusal?.check == .release)
            try await restarted.claim(8)
        }
    }
}
