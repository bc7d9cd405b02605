import Foundation
import SamtykkeCore
import SamtykkeStore
import Synchronization
import Testing
import TransparencyLog

/// Single-use values (DPoP proofs' `jti`s) recorded in the log's batches: no durable commit of their
/// own under load, and still each use learns whether it came first, and none is answered or lost by a
/// batch that fails.
extension StoreContractTests {
    func use(_ value: String) -> SingleUse { SingleUse(value, namespace: "dpop:token", expiresAt: now.addingTimeInterval(120)) }

    @Test(arguments: Backend.available)
    func usesRecordedWithABatchAreSingleUseARepeatIncluded(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let committed = try await t.store.commit([Change(.create(try request()))], recording: [use("a"), use("b"), use("a")], at: now, signer: signer)
            #expect(committed.firstUses == [true, true, false])
            _ = try committed.outcomes[0].get().acceptedConsent()
            #expect(try await t.store.useOnce([use("b"), use("c")], now: now) == [false, true])
            let again = try await t.store.commit([Change(.create(try request()))], recording: [use("a"), use("d")], at: now, signer: signer)
            #expect(again.firstUses == [false, true])
            #expect(try await types(t.store) == ["consent.requested", "consent.requested"])
        }
    }

    @Test(arguments: Backend.available)
    func aBatchThatFailsRecordsNoneOfItsUses(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            await #expect(throws: SigningFailed.self) {
                try await t.store.commit([Change(.create(try request()))], recording: [use("a")], at: now, signer: FailingSigner(signer, failing: [1]))
            }
            #expect(try await t.store.useOnce([use("a")], now: now) == [true])
            #expect(try await types(t.store).isEmpty)
        }
    }

    /// While a batch runs, the uses that arrive wait with the changes and go into the next batch's
    /// transaction; with no change waiting they are a batch of their own.
    @Test(arguments: Backend.available)
    func usesRideWithTheNextBatchOfChanges(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let store = GatedStore(t.store)
            let log = LogSequencer(store: store, signer: signer)
            let (first, second) = (try request(), try request())
            let now = self.now
            async let created = log.commit(Change(.create(first)), at: now)
            await store.entered()
            async let riding = withThrowingTaskGroup(of: (String, Bool).self) { group in
                group.addTask { ("created", try await log.commit(Change(.create(second)), at: now).outcome.refusal == nil) }
                for value in ["j1", "j1", "j2"] {
                    group.addTask { (value, try await log.useOnce(value, namespace: "dpop:token", expiresAt: now.addingTimeInterval(120), now: now)) }
                }
                return try await group.reduce(into: [:]) { $0[$1.0, default: []].append($1.1) }
            }
            while await log.waiting != (1, 3) { try await Task.sleep(for: .milliseconds(1)) }
            store.release()
            _ = try await created.outcome.acceptedConsent()
            let answers = try await riding
            #expect(answers["created"] == [true])
            #expect(answers["j1"]?.map { $0 ? 1 : 0 }.sorted() == [0, 1] && answers["j2"] == [true])
            #expect(store.calls == [.commit(changes: 1, uses: 0), .commit(changes: 1, uses: 3)])
            #expect(try await !log.useOnce("j2", namespace: "dpop:token", expiresAt: now.addingTimeInterval(120), now: now))
            #expect(store.calls.last == .uses(1))
        }
    }

    /// A batch that fails wrote nothing, its uses included: they are recorded on their own, so that a
    /// change's failure neither refuses a DPoP call nor lets its `jti` through unrecorded.
    @Test(arguments: Backend.available)
    func aFailedBatchNeitherLosesNorWronglyAcceptsItsUses(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
            let store = GatedStore(t.store)
            let log = LogSequencer(store: store, signer: FailingSigner(signer, failing: [2]))
            let (first, second) = (try request(), try request())
            let now = self.now
            async let created = log.commit(Change(.create(first)), at: now)
            await store.entered()
            async let failed = log.commit(Change(.create(second)), at: now)
            async let uses = withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<2 { group.addTask { try await log.useOnce("j1", namespace: "dpop:token", expiresAt: now.addingTimeInterval(120), now: now) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            while await log.waiting != (1, 2) { try await Task.sleep(for: .milliseconds(1)) }
            store.release()
            _ = try await created.outcome.acceptedConsent()
            do {
                _ = try await failed
                Issue.record("the change whose batch failed to sign was committed")
            } catch {
                #expect(error is SigningFailed)
            }
            #expect(try await uses.map { $0 ? 1 : 0 }.sorted() == [0, 1])
            #expect(store.calls == [.commit(changes: 1, uses: 0), .commit(changes: 1, uses: 2), .uses(2)])
            #expect(try await !log.useOnce("j1", namespace: "dpop:token", expiresAt: now.addingTimeInterval(120), now: now))
            #expect(try await types(t.store) == ["consent.requested"])
        }
    }
}

struct SigningFailed: Error {}

/// Refuses to sign on the calls numbered in `failing` (from 1): a batch that fails after its rows.
final class FailingSigner: CheckpointSigning {
    let signer: LogSigner
    let failing: Set<Int>
    let calls = Atomic(0)

    init(_ signer: LogSigner, failing: Set<Int>) {
        self.signer = signer
        self.failing = failing
    }

    func sign(size: UInt64, rootHash: Hash) throws -> SignedCheckpoint {
        guard !failing.contains(calls.add(1, ordering: .relaxed).newValue) else { throw SigningFailed() }
        return try signer.sign(size: size, rootHash: rootHash)
    }
}

/// A store that notes each transaction the sequencer asks for, and holds the first commit until
/// released, so that a test can queue what the next batch should carry.
final class GatedStore: ChangeCommitting, ReplayStore {
    enum Call: Equatable { case commit(changes: Int, uses: Int), uses(Int) }

    let store: any Store
    private let noted = Mutex<[Call]>([])
    private let entry = AsyncStream<Void>.makeStream()
    private let gate = AsyncStream<Void>.makeStream()

    init(_ store: any Store) { self.store = store }

    var calls: [Call] { noted.withLock { $0 } }

    /// Returns once the first commit has begun.
    func entered() async {
        for await _ in entry.stream { return }
    }

    func release() { gate.continuation.yield() }

    func commit(_ changes: [Change], recording uses: [SingleUse], at now: Date, signer: any CheckpointSigning) async throws -> CommittedBatch {
        let first = noted.withLock { calls in
            calls.append(.commit(changes: changes.count, uses: uses.count))
            return calls.count == 1
        }
        if first {
            entry.continuation.yield()
            for await _ in gate.stream { break }
        }
        return try await store.commit(changes, recording: uses, at: now, signer: signer)
    }

    func useOnce(_ uses: [SingleUse], now: Date) async throws -> [Bool] {
        noted.withLock { $0.append(.uses(uses.count)) }
        return try await store.useOnce(uses, now: now)
    }
}
