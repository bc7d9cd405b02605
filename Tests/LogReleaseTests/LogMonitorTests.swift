import Foundation
import LogRelease
import SamtykkeCore
import Testing
import TransparencyLog
import TestSupport

/// The monitor follows the log from its own state file: it never trusts a smaller or forked tree,
/// says why it stopped (also after a restart), and resumes without re-reading the log.
@Suite(.sameOnEveryBackend) struct LogMonitorTests {
    static func monitor(_ log: BrokerLog, _ directory: String, patience: Duration = .seconds(2)) async throws -> LogMonitor {
        let policy = try LogPolicy(parsing: Array(await log.policy().utf8))
        return try LogMonitor(log: policy.logs[0], fetcher: log, statePath: directory + "/monitor.json", patience: patience)
    }

    static func halted(_ body: () async throws(LogMonitorError) -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            if case .halted(let why) = error { return why }
            return "not halted: \(error)"
        }
    }

    @Test func resumesFromItsStateWithoutRereadingTheLog() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            let ended = BrokerLog.Consent()
            try await log.append(.requested(), for: ended)
            try await log.append(.granted, for: ended)
            for _ in 0..<298 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            try await log.append(.revoked, for: ended)
            try await Self.monitor(log, directory).catchUp()
            for _ in 0..<5 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            await log.resetFetched()
            let restarted = try await Self.monitor(log, directory)
            #expect(await restarted.size == 301)
            #expect(await restarted.refusal(for: ended.tag, now: Date()) == "the log shows the consent ended (revoked)")
            try await restarted.catchUp()
            #expect(await restarted.size == 306)
            // Only the bundle that grew: entries 256 to 305, none of the first 256.
            #expect(await log.fetched == ["checkpoint", "tile/entries/001.p/50"])
        }
    }

    @Test func stopsForAShrunkLogAndSaysSoAfterARestart() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            for _ in 0..<10 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let monitor = try await Self.monitor(log, directory)
            try await monitor.catchUp()
            try await log.truncate(to: 7)
            #expect(await Self.halted { () async throws(LogMonitorError) in try await monitor.catchUp() } == "the log shrank from 10 entries to 7")
            // Growing back past it does not help: the monitor stays stopped, also when restarted.
            for _ in 0..<10 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let restarted = try await Self.monitor(log, directory)
            #expect(await restarted.haltReason == "the log shrank from 10 entries to 7")
            #expect(await Self.halted { () async throws(LogMonitorError) in try await restarted.catchUp() } == "the log shrank from 10 entries to 7")
        }
    }

    @Test func stopsForAForkOfTheSameSize() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            for _ in 0..<10 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let monitor = try await Self.monitor(log, directory)
            try await monitor.catchUp()
            try await log.truncate(to: 9)
            try await log.append(.fetch, for: BrokerLog.Consent())
            let why = await Self.halted { () async throws(LogMonitorError) in try await monitor.catchUp() }
            #expect(why?.contains("two roots for 10 entries") == true, "\(String(describing: why))")
        }
    }

    /// A log that shows the monitor one history and the witnesses (and the proof) another.
    @Test func stopsForACosignedCheckpointOffItsTree() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            for _ in 0..<10 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let forkedView = try await log.checkpoint()
            let monitor = try await Self.monitor(log, directory)
            try await log.truncate(to: 5)
            for _ in 0..<20 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let why = await Self.halted { () async throws(LogMonitorError) in try await monitor.cover(forkedView) }
            #expect(why?.contains("not a prefix of the verified tree of 25") == true, "\(String(describing: why))")
        }
    }

    /// Entries served under a checkpoint that do not hash to its root (the bundles lie).
    @Test func stopsWhenTheEntriesDoNotGiveTheSignedRoot() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            for _ in 0..<10 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let signed = try await log.signer.sign(log.checkpoint().body)
            try await log.truncate(to: 5)
            for _ in 0..<5 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            await log.serveCheckpoint(signed)
            let monitor = try await Self.monitor(log, directory)
            let why = await Self.halted { () async throws(LogMonitorError) in try await monitor.catchUp() }
            #expect(why?.contains("do not give the root the log signed") == true, "\(String(describing: why))")
        }
    }

    /// Proofs arrive while the log grows and while catch-ups for smaller trees are under way: a
    /// catch-up that read an older checkpoint is never taken as the answer for a larger tree (issue 28).
    /// No patience: each cover must be answered by the first read of the checkpoint after it.
    @Test func coversEveryPublishedTreeWhileTheLogGrows() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            let monitor = try await Self.monitor(log, directory, patience: .zero)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<400 {
                    try await log.append(.fetch, for: BrokerLog.Consent())
                    let checkpoint = try await log.checkpoint()
                    group.addTask { try await monitor.cover(checkpoint) }
                }
                try await group.waitForAll()
            }
            #expect(await monitor.size == 400)
        }
    }

    /// A log that shows an older checkpoint for a moment (a cache, another instance) is read again
    /// for the monitor's patience; past it, the proof is refused as ahead of the log.
    @Test func waitsItsPatienceForALaggingCheckpoint() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            for _ in 0..<5 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            await log.serveCheckpoint(try await log.signer.sign(log.checkpoint().body))
            try await log.append(.fetch, for: BrokerLog.Consent())
            let ahead = try await log.checkpoint()
            for name in ["a", "b"] { try FileManager.default.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: false) }
            let impatient = try await Self.monitor(log, directory + "/a", patience: .zero)
            await #expect(throws: LogMonitorError.behind(logSize: 5, needed: 6)) { try await impatient.cover(ahead) }
            let patient = try await Self.monitor(log, directory + "/b", patience: .seconds(5))
            async let covered: Void = patient.cover(ahead)
            try await Task.sleep(for: .milliseconds(100))
            await log.serveCheckpoint(nil)
            try await covered
            #expect(await patient.size == 6)
        }
    }

    /// A proof's tree the monitor passed through while catching up is checked against the root it
    /// computed there: no tile is read for it (issue 28.5, one less round trip per release).
    @Test func coversATreeItPassedThroughWithoutReadingTheLog() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            for _ in 0..<5 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let passed = try await log.checkpoint()
            for _ in 0..<300 { try await log.append(.fetch, for: BrokerLog.Consent()) }
            let monitor = try await Self.monitor(log, directory)
            try await monitor.catchUp()
            await log.resetFetched()
            try await monitor.cover(passed)
            #expect(await log.fetched == [])
        }
    }

    @Test func refusesAStateFileOfAnotherLogKey() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory + "/a")
            try await log.append(.fetch, for: BrokerLog.Consent())
            try await Self.monitor(log, directory).catchUp()
            let other = try BrokerLog(directory: directory + "/b")
            await #expect(throws: LogMonitorError.self) { _ = try await Self.monitor(other, directory) }
        }
    }
}
