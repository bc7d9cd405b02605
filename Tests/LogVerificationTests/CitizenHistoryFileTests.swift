import Foundation
import Testing
import TestSupport
@testable import LogVerification

/// The citizen's history in a file of its own beside the state file (issue 27 point 7): a run that
/// only adds entries appends them and leaves the earlier bytes alone, one that changes an earlier
/// entry writes a new file, and only the bytes the state file counts are the history.
@Suite(.sameOnEveryBackend) struct CitizenHistoryFileTests {
    /// Alice's state, one of its entries needing escapes, in whole seconds as a state file keeps times.
    static func state() async throws -> CitizenLogState {
        try CitizenHistoryJSONTests.throughTheEncoders(try await CitizenHistoryJSONTests.state(escaped: true)).state
    }

    /// `state` as an earlier run knew it: its first `count` entries.
    static func first(_ count: Int, of state: CitizenLogState) -> CitizenLogState {
        CitizenLogState(head: state.head, rightEdge: state.rightEdge, entries: Array(state.entries.prefix(count)))
    }

    /// The history file the state file at `path` names, and how many of its bytes it counts.
    static func history(of path: String) throws -> (url: URL, bytes: Int) {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        let history = try #require(object?["history"] as? [String: Any])
        #expect(object?["entries"] == nil, "the state file no longer holds the history")
        let file = try #require(history["file"] as? String)
        return (URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(file), try #require(history["bytes"] as? Int))
    }

    static func histories(beside path: String) throws -> [String] {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".history-") }
    }

    @Test func aRunThatOnlyAddsEntriesAppendsThemAndLeavesTheEarlierBytes() async throws {
        let all = try await Self.state()
        try #require(all.entries.count >= 4)
        let earlier = Self.first(2, of: all)
        try await AuditStateTests.withStatePath { path in
            try earlier.save(to: path, after: nil)
            let first = try Self.history(of: path)
            let firstBytes = try Data(contentsOf: first.url)
            let loaded = try #require(try CitizenLogState.load(from: path))
            #expect(loaded == earlier)

            try all.save(to: path, after: loaded)
            let second = try Self.history(of: path)
            #expect(second.url == first.url, "the same file, added to")
            let secondBytes = try Data(contentsOf: second.url)
            #expect(secondBytes.prefix(firstBytes.count) == firstBytes && secondBytes.count == second.bytes && second.bytes > first.bytes)
            #expect(try CitizenLogState.load(from: path) == all)
            #expect(try Self.histories(beside: path) == [second.url.lastPathComponent])
            for file in [path, second.url.path] {
                #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600, "\(file)")
            }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            #expect(try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int == 0o700)

            // A run that found nothing new leaves the history as it was.
            let again = try #require(try CitizenLogState.load(from: path))
            try all.save(to: path, after: again)
            #expect(try Data(contentsOf: Self.history(of: path).url) == secondBytes)
        }
    }

    /// A consent forgotten since marks the earlier entries of it: they are not what the file holds,
    /// so the history is written anew under another name, and the old file goes.
    @Test func aChangedEarlierEntryWritesANewHistoryAndRemovesTheOld() async throws {
        let state = try await Self.state()
        try await AuditStateTests.withStatePath { path in
            try state.save(to: path, after: nil)
            let before = try Self.history(of: path)
            let loaded = try #require(try CitizenLogState.load(from: path))
            var entries = state.entries
            let unmarked = try #require(entries.firstIndex { $0.forgottenAt == nil })
            entries[unmarked].forgottenAt = 999
            let marked = CitizenLogState(head: state.head, rightEdge: state.rightEdge, entries: entries)

            try marked.save(to: path, after: loaded)
            let after = try Self.history(of: path)
            #expect(after.url != before.url)
            #expect(!FileManager.default.fileExists(atPath: before.url.path))
            #expect(try CitizenLogState.load(from: path) == marked)
            #expect(try Self.histories(beside: path) == [after.url.lastPathComponent])
        }
    }

    /// Bytes a run appended before it failed to save its state (a torn line, or a whole one written
    /// and synced): not part of the history, and cut off by the next run that adds to it.
    @Test(arguments: [false, true]) func bytesPastTheCountedOnesAreNotHistoryAndTheNextRunCutsThemOff(wholeLine: Bool) async throws {
        let all = try await Self.state()
        let earlier = Self.first(1, of: all)
        try await AuditStateTests.withStatePath { path in
            try earlier.save(to: path, after: nil)
            let history = try Self.history(of: path)
            var tail = Array(#"[{"half":"#.utf8)
            if wholeLine {
                CitizenHistoryJSON.write([all.entries[1]], time: .iso8601, into: &tail)
                tail = Array(tail.dropFirst(#"[{"half":"#.utf8.count)) + [UInt8(ascii: "\n")]
            }
            let handle = try FileHandle(forWritingTo: history.url)
            try handle.seekToEnd()
            try handle.write(contentsOf: tail)
            try handle.close()
            let loaded = try #require(try CitizenLogState.load(from: path))
            #expect(loaded == earlier)

            try all.save(to: path, after: loaded)
            let grown = try Self.history(of: path)
            #expect(try Data(contentsOf: grown.url).count == grown.bytes)
            #expect(try CitizenLogState.load(from: path) == all)
        }
    }

    /// Two runs that started from the same state: the one that saves second finds that the history
    /// it read was added to since, so it writes a new one rather than cutting off the other's entries
    /// under a state file that counts them; either way, what loads is what a run saved.
    @Test func aRunThatSavesAfterAnotherDoesNotBuildOnWhatItRead() async throws {
        let all = try await Self.state()
        let earlier = Self.first(1, of: all)
        try await AuditStateTests.withStatePath { path in
            try earlier.save(to: path, after: nil)
            let read = try #require(try CitizenLogState.load(from: path))
            let first = try Self.history(of: path)
            try Self.first(2, of: all).save(to: path, after: read)
            #expect(try Self.history(of: path).url == first.url)
            try all.save(to: path, after: read)
            #expect(try Self.history(of: path).url != first.url)
            #expect(try CitizenLogState.load(from: path) == all)
        }
    }

    /// A state file that held its history, as before: its first save writes the history beside it.
    @Test func aStateFileThatHeldItsHistoryGetsOneBesideIt() async throws {
        let all = try await Self.state()
        try await AuditStateTests.withStatePath { path in
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try CitizenHistoryJSONTests.wholeByHand(Self.first(2, of: all)).write(to: URL(fileURLWithPath: path))
            let read = try #require(try CitizenLogState.load(from: path))
            #expect(read == Self.first(2, of: all))
            try all.save(to: path, after: read)
            #expect(try Self.histories(beside: path).count == 1)
            #expect(try CitizenLogState.load(from: path) == all)
        }
    }

    /// A state file naming a history elsewhere (`../`, another name) is damaged, never followed.
    @Test func aHistoryNamedOutsideItsStateIsNotRead() async throws {
        let state = try await Self.state()
        try await AuditStateTests.withStatePath { path in
            try state.save(to: path, after: nil)
            let history = try Self.history(of: path)
            let elsewhere = history.url.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(history.url.lastPathComponent)
            try FileManager.default.copyItem(at: history.url, to: elsewhere)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "\"\(history.url.lastPathComponent)\"", with: "\"../\(history.url.lastPathComponent)\"")
                .write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: AuditStateError.self) { try CitizenLogState.load(from: path) }
        }
    }

    /// A history shorter than the state counts, gone, or not what `save` writes makes the state
    /// unusable, never a shorter history that a citizen would take for theirs.
    @Test(arguments: ["shorter", "gone", "garbled"]) func aDamagedHistoryIsAnError(damage: String) async throws {
        let state = try await Self.state()
        try await AuditStateTests.withStatePath { path in
            try state.save(to: path, after: nil)
            let history = try Self.history(of: path)
            switch damage {
            case "shorter": try Data(contentsOf: history.url).dropLast().write(to: history.url)
            case "gone": try FileManager.default.removeItem(at: history.url)
            default: try Data(repeating: UInt8(ascii: "x"), count: history.bytes).write(to: history.url)
            }
            #expect(throws: AuditStateError.self) { try CitizenLogState.load(from: path) }
        }
    }

    /// A citizen with no entries yet keeps an empty history, and entries found later are added to it.
    @Test func anEmptyHistoryIsKeptAndAddedTo() async throws {
        let all = try await Self.state()
        let none = Self.first(0, of: all)
        try await AuditStateTests.withStatePath { path in
            try none.save(to: path, after: nil)
            #expect(try Self.history(of: path).bytes == 0)
            let loaded = try #require(try CitizenLogState.load(from: path))
            #expect(loaded == none)
            try all.save(to: path, after: loaded)
            #expect(try CitizenLogState.load(from: path) == all)
        }
    }
}
