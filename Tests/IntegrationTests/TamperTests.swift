import Foundation
import GRDB
import Testing
import TestSupport

/// Someone with write access to the broker's database edits the log; `samtykke audit verify` (the
/// real binary, over HTTP) must refuse it, naming the first entry at fault.
@Suite(.heavy) struct TamperTests {
    enum Tamper: String, CaseIterable, Sendable {
        case changedByte, brokenByte, deletedRow, swappedRows, truncated

        /// Edits the log; returns the index audit verify must name and words its line must hold.
        func apply(_ tamperer: LogTamperer) throws -> (index: Int, words: String) {
            var expected = (index: 0, words: "")
            try tamperer.tamper { db in
                switch self {
                case .changedByte:
                    // The first character of entry 2's commitment (SPEC §4): still canonical JSON,
                    // still entry 2, so only the Merkle root can tell. Its leafHash column stays stale.
                    var leaf = try tamperer.leaf(2, db)
                    let marker = Array(#""commitment":""#.utf8)
                    let at = try #require((0...(leaf.count - marker.count)).first { Array(leaf[$0..<$0 + marker.count]) == marker }) + marker.count
                    leaf[at] = leaf[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                    try tamperer.setLeaf(2, leaf, db)
                    expected = (2, "its bytes were changed")
                case .brokenByte:
                    var leaf = try tamperer.leaf(5, db)
                    leaf[0] = UInt8(ascii: "[")
                    try tamperer.setLeaf(5, leaf, db)
                    expected = (5, "not a canonical audit entry")
                case .deletedRow:
                    try db.execute(sql: "DELETE FROM auditEntry WHERE idx = 3")
                    expected = (3, "entry 3 is missing: the log skips from 2 to 4")
                case .swappedRows:
                    let first = try tamperer.leaf(1, db)
                    try tamperer.setLeaf(1, try tamperer.leaf(6, db), db)
                    try tamperer.setLeaf(6, first, db)
                    expected = (1, "entry 1 says it is entry 6")
                case .truncated:
                    try db.execute(sql: "DELETE FROM auditEntry WHERE idx >= 5")
                    expected = (5, "truncated")
                }
            }
            return expected
        }
    }

    @Test(arguments: Tamper.allCases) func auditVerifyNamesTheFirstBadIndex(_ tamper: Tamper) async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let state = dir.appendingPathComponent("state.json")
                let clean = try await broker.verify(state: state)
                #expect(clean.status == 0, "\(clean.stderr)")

                let expected = try tamper.apply(broker.tamperer)
                let result = try await broker.verify(state: state)
                #expect(result.status != 0)
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.hasPrefix("samtykke: the log does not verify at index \(expected.index): "), "\(result.stderr)")
                #expect(result.stderr.contains(expected.words), "\(result.stderr)")
                #expect(result.stderr.filter { $0 == "\n" }.count == 1, "one line: \(result.stderr)")
            }
        }
    }

    @Test func rollbackToAnOlderCopyFailsConsistencyWithTheStoredCheckpoint() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let copy = dir.appendingPathComponent("old.sqlite").path
                let state = dir.appendingPathComponent("state.json")
                try broker.tamperer.snapshot(to: copy)
                try await AuditedBroker.addActivity(broker.run)
                let size = 2 * AuditedBroker.entriesPerActivity
                let before = try await broker.verify(state: state)
                #expect(before.status == 0 && before.stdout.contains("verified: \(size) entries"), "\(before)")

                try broker.tamperer.restore(from: copy)
                #expect(try broker.tamperer.size() == AuditedBroker.entriesPerActivity)
                let after = try await broker.verify(state: state)
                #expect(after.status != 0)
                #expect(after.stderr.hasPrefix("samtykke: the log does not verify at index \(AuditedBroker.entriesPerActivity): the log was rolled back"), "\(after.stderr)")

                // The old copy is a well-formed log on its own: only the checkpoint kept from the
                // last run shows it went back in time, which is why verify keeps one.
                let fresh = try await broker.verify(state: dir.appendingPathComponent("fresh.json"))
                #expect(fresh.status == 0 && fresh.stdout.contains("first run"), "\(fresh)")
            }
        }
    }
}
