import Foundation
import LogVerification
import Testing
import TransparencyLog
import TestSupport

/// Every way of editing a log's rows is caught and blamed on its first bad index, across page
/// boundaries (page size 7 here, so a few dozen entries span several pages).
@Suite(.sameOnEveryBackend) struct LogAuditorTests {
    static let pageSize = 7

    static func verify(_ log: InMemoryLog, trusted: AuditState? = nil) async throws -> LogVerificationResult {
        try await LogAuditor(source: log, pageSize: pageSize).verify(logKey: log.logKey, trusted: trusted)
    }

    static func failure(_ result: LogVerificationResult) throws -> LogVerificationFailure {
        guard case .failed(let failure) = result else { Issue.record("expected a failure, got \(result)"); throw CancellationError() }
        return failure
    }

    static func verified(_ result: LogVerificationResult) throws -> VerifiedLog {
        guard case .verified(let log) = result else { Issue.record("expected success, got \(result)"); throw CancellationError() }
        return log
    }

    static func state(after log: InMemoryLog) async throws -> AuditState {
        AuditState(server: "memory", verified: try verified(await verify(log)), at: Date())
    }

    @Test(arguments: [0, 1, 6, 7, 30]) func intactLogVerifiesAndTrustsOnFirstUse(size: Int) async throws {
        let log = try InMemoryLog(size: size)
        var progress: [UInt64] = []
        let result = try await LogAuditor(source: log, pageSize: Self.pageSize).verify(logKey: log.logKey, trusted: nil) { done, total in
            #expect(total == UInt64(size))
            progress.append(done)
        }
        let verified = try Self.verified(result)
        #expect(verified.checkpoint.size == UInt64(size))
        #expect(verified.trustedOnFirstUse)
        #expect(progress.first == 0 && progress.last == UInt64(size))
    }

    @Test(arguments: [0, 5, 6, 7, 13, 29]) func changedByteIsBlamedOnItsEntry(index: Int) async throws {
        var log = try InMemoryLog(size: 30)
        log.changeByte(of: index)
        let failure = try Self.failure(await Self.verify(log))
        #expect(failure.reason == .changedEntry(index: UInt64(index)))
        #expect(failure.firstBadIndex == UInt64(index))
    }

    @Test func aByteThatBreaksTheCanonicalFormIsNamed() async throws {
        var log = try InMemoryLog(size: 20)
        var leaf = log.served[11].leaf
        leaf.insert(UInt8(ascii: " "), at: 1)
        log.served[11] = ServedEntry(index: 11, leaf: leaf)
        let failure = try Self.failure(await Self.verify(log))
        #expect(failure.firstBadIndex == 11)
        guard case .malformedEntry = failure.reason else { Issue.record("\(failure)"); return }
    }

    @Test(arguments: [0, 7, 19]) func deletedRowIsMissing(index: Int) async throws {
        var log = try InMemoryLog(size: 20)
        log.served.remove(at: index)
        let failure = try Self.failure(await Self.verify(log))
        #expect(failure.firstBadIndex == UInt64(index))
        // The last row deleted is a truncation by one: the log ends early.
        #expect(failure.reason == .missingEntry(index: UInt64(index), next: index == 19 ? nil : UInt64(index + 1), checkpointSize: 20))
    }

    @Test func swappedRowsAreMisplaced() async throws {
        var log = try InMemoryLog(size: 20)
        log.swapLeaves(4, 9)
        let failure = try Self.failure(await Self.verify(log))
        #expect(failure.reason == .misplacedEntry(index: 4, claimed: 9))
        #expect(failure.firstBadIndex == 4)
    }

    @Test func duplicatedRowIsOutOfOrder() async throws {
        var log = try InMemoryLog(size: 20)
        log.served.insert(log.served[3], at: 4)
        let failure = try Self.failure(await Self.verify(log))
        #expect(failure.reason == .outOfOrder(index: 4, served: 3))
    }

    @Test func truncatedLogIsMissingItsTail() async throws {
        var log = try InMemoryLog(size: 20)
        log.served.removeLast(6)
        let failure = try Self.failure(await Self.verify(log))
        #expect(failure.reason == .missingEntry(index: 14, next: nil, checkpointSize: 20))
        #expect(failure.description.contains("truncated"))
    }

    @Test func theFirstOfSeveralChangesIsNamed() async throws {
        var log = try InMemoryLog(size: 30)
        log.changeByte(of: 22)
        log.served.remove(at: 25)
        log.changeByte(of: 9)
        #expect(try Self.failure(await Self.verify(log)).reason == .missingEntry(index: 25, next: 26, checkpointSize: 30))
        log = try InMemoryLog(size: 30)
        log.changeByte(of: 22)
        log.changeByte(of: 9)
        #expect(try Self.failure(await Self.verify(log)).firstBadIndex == 9)
    }

    @Test func entriesBeyondTheSignedSizeAreNotVerified() async throws {
        // The log grew after signing: the new entry is not covered, and not read.
        var log = try InMemoryLog(size: 10)
        let note = log.signedNote
        try log.append(1)
        log.changeByte(of: 10)
        struct Frozen: LogSource {
            let log: InMemoryLog
            let note: String
            func signedCheckpoint() async throws -> String { note }
            func entries(start: UInt64, limit: Int) async throws -> [ServedEntry] { try await log.entries(start: start, limit: limit) }
            func entryBundle(_ tile: TilePath) async throws -> [UInt8] { try await log.entryBundle(tile) }
            func leafHashes(_ tile: TilePath) async throws -> [Hash] { try await log.leafHashes(tile) }
            func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] { try await log.inclusionProof(index: index, treeSize: treeSize) }
            func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] { try await log.consistencyProof(from: from, to: to) }
        }
        let result = try await LogAuditor(source: Frozen(log: log, note: note), pageSize: 4).verify(logKey: log.logKey, trusted: nil)
        #expect(try Self.verified(result).checkpoint.size == 10)
    }

    @Test func aLogThatGrewIsConsistentWithTheLastRun() async throws {
        var log = try InMemoryLog(size: 13)
        let state = try await Self.state(after: log)
        try log.append(9)
        let verified = try Self.verified(await Self.verify(log, trusted: state))
        #expect(verified.trusted?.size == 13)
        #expect(!verified.trustedOnFirstUse)
        // Unchanged since: equal sizes and roots are consistent too.
        #expect(try Self.verified(await Self.verify(log, trusted: AuditState(server: "memory", verified: verified, at: Date()))).checkpoint.size == 22)
    }

    @Test func rollbackToASmallerTreeFails() async throws {
        let old = try InMemoryLog(size: 12)
        var grown = old
        try grown.append(5)
        let state = try await Self.state(after: grown)
        let failure = try Self.failure(await Self.verify(old, trusted: state))
        #expect(failure.reason == .rollback(trustedSize: 17, size: 12))
        #expect(failure.firstBadIndex == 12)
    }

    @Test(arguments: [10, 15]) func aForkOfTheTrustedTreeFails(size: Int) async throws {
        // The same key over other entries: a log rewritten and re-signed by whoever holds the key.
        let signer = InMemoryLog.newSigner()
        let state = try await Self.state(after: InMemoryLog(size: 10, signer: signer))
        let fork = try InMemoryLog(size: size, signer: signer, note: "rewritten")
        let failure = try Self.failure(await Self.verify(fork, trusted: state))
        guard case .inconsistentWithTrusted(10, UInt64(size), _) = failure.reason else { Issue.record("\(failure)"); return }
        #expect(failure.firstBadIndex == nil)
    }

    @Test func aChangedLogKeyFails() async throws {
        let log = try InMemoryLog(size: 5)
        let state = try await Self.state(after: log)
        let other = try InMemoryLog(size: 5)
        let failure = try Self.failure(await Self.verify(other, trusted: state))
        #expect(failure.reason == .logKeyChanged(trusted: log.logKey, published: other.logKey))
    }

    @Test func aCheckpointNotSignedByTheKeyFails() async throws {
        let log = try InMemoryLog(size: 5)
        let impostor = try InMemoryLog(size: 5)
        let failure = try Self.failure(await LogAuditor(source: log).verify(logKey: impostor.logKey, trusted: nil))
        guard case .badCheckpoint = failure.reason else { Issue.record("\(failure)"); return }
        #expect(failure.firstBadIndex == nil)
    }

    @Test func aMalformedKeyIsAnErrorNotAVerdict() async throws {
        let log = try InMemoryLog(size: 1)
        await #expect(throws: NoteError.malformedVerifierKey("expected <name>+<key ID>+<key>")) {
            try await LogAuditor(source: log).verify(logKey: "not-a-key", trusted: nil)
        }
    }
}
