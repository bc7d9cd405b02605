import Foundation
import PostgresNIO
import SamtykkeStore
@testable import PostgresStore
import Synchronization
import Testing
import TestSupport

/// A transaction PostgreSQL aborts as a serialization failure or a deadlock victim runs again; any
/// other failure, and one that keeps failing, reaches the caller with its SQLSTATE.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct TransactionRetryTests {
    /// Raises `state` the first `failures` times it runs, inserting a row each time first (which
    /// the rollback must take back).
    func flaky(_ store: PostgresStore, failures: Int, state: String) async throws -> Int {
        let attempts = Atomic<Int>(0)
        try await store.execute("CREATE TABLE IF NOT EXISTS attempt (n integer)")
        _ = try await store.transaction("test a retry") { connection in
            let attempt = attempts.add(1, ordering: .relaxed).newValue
            try await connection.query("INSERT INTO attempt (n) VALUES (\(attempt))", logger: store.logger)
            if attempt <= failures {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '\(state)'; END $$"), logger: store.logger
                )
            }
            return attempt
        }
        return attempts.load(ordering: .relaxed)
    }

    @Test(arguments: ["40001", "40P01"])
    func anAbortedTransactionRunsAgainWithNothingOfTheFailedAttemptLeft(state: String) async throws {
        try await PostgresTestDatabase.with { store, _ in
            let attempts = try await flaky(store, failures: 2, state: state)
            let left = try await store.integers("SELECT n FROM attempt")
            #expect(attempts == 3 && left == [3])
        }
    }

    /// A transaction failing `failures` times with `state` reaches the caller with that SQLSTATE
    /// and leaves nothing behind.
    func expectGivesUp(failures: Int, state: String) async throws {
        try await PostgresTestDatabase.with { store, _ in
            await #expect {
                _ = try await flaky(store, failures: failures, state: state)
            } throws: { error in
                guard case PostgresStoreError.database(_, let reported, _)? = (error as? StoreFailure)?.cause as? PostgresStoreError else { return false }
                return reported == state
            }
            let left = try await store.integers("SELECT count(*) FROM attempt")
            #expect(left == [0])
        }
    }

    @Test func aTransactionThatKeepsFailingGivesUpWithItsSQLState() async throws {
        try await expectGivesUp(failures: 100, state: "40001")
    }

    @Test func otherFailuresAreNotRetried() async throws {
        try await expectGivesUp(failures: 1, state: "23505")
    }

    /// A real deadlock: two transactions lock two rows in opposite orders. PostgreSQL aborts one;
    /// it runs again and both finish.
    @Test func aDeadlockVictimRunsAgainAndBothFinish() async throws {
        try await PostgresTestDatabase.with { store, _ in
            try await store.execute("CREATE TABLE pair (id integer PRIMARY KEY, n integer NOT NULL)")
            try await store.execute("INSERT INTO pair VALUES (1, 0), (2, 0)")
            let bothHoldOne = Barrier(parties: 2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (first, second) in [(1, 2), (2, 1)] {
                    group.addTask {
                        let waited = Atomic<Bool>(false)
                        try await store.transaction("test a deadlock") { connection in
                            try await connection.query("UPDATE pair SET n = n + 1 WHERE id = \(first)", logger: store.logger)
                            // Only the first attempt waits: the retry must not wait for a partner that finished.
                            if !waited.exchange(true, ordering: .relaxed) { await bothHoldOne.arrive() }
                            try await connection.query("UPDATE pair SET n = n + 1 WHERE id = \(second)", logger: store.logger)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let counts = try await store.integers("SELECT n FROM pair ORDER BY id")
            #expect(counts == [2, 2])
        }
    }
}

/// Lets `parties` tasks continue only once all of them have arrived.
actor Barrier {
    private let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) {
        self.parties = parties
    }

    func arrive() async {
        arrived += 1
        if arrived == parties {
            waiting.forEach { $0.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
