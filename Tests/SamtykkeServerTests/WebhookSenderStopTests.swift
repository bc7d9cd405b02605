import Crypto
import Foundation
import Logging
import Metrics
import SQLiteStore
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore
import ServiceLifecycle
import Testing
import TestSupport

@testable import SamtykkeServer
@testable import WebhookEngine

/// A stop does not wait on the database: a broker on PostgreSQL once took more than 10 s to stop
/// right after an outage, its webhook sender still waiting on a claim. Here the database is an
/// SQLite file that another process holds write-locked, so a claim waits out the writer's 10 s
/// busy timeout unless the sender stops waiting for it.
@Suite(.sameOnEveryBackend) struct WebhookSenderStopTests {
    @Test func aStopDoesNotWaitForAClaimOnALockedDatabase() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("store.sqlite").path
            let store = try SQLiteStore(path: path)
            // A delivery is due, so a claim has a lease to write (with nothing due it only reads).
            let bank = try OrgNumber("986352325")
            _ = try await store.addBank(org: bank, name: "Test Sparebank", now: Date())
            try await store.addWebhook(Webhook(id: "wh_stop", bankOrg: bank, url: "https://203.0.113.7/hook", sealedSecret: [1, 2, 3], createdAt: Date()))
            _ = try #require(try await store.addTestEvent(webhook: "wh_stop", of: bank, now: Date()))
            let (locked, release) = (path + ".locked", path + ".release")
            let holder = Task { try await TestPython.run(["-c", Self.lockHolder, path, locked, release]) }
            defer { _ = FileManager.default.createFile(atPath: release, contents: nil) }
            let deadline = ContinuousClock.now + .seconds(30)
            while !FileManager.default.fileExists(atPath: locked), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            try #require(FileManager.default.fileExists(atPath: locked), "the write lock was not taken within 30 s")

            let logger = Logger(label: "webhook-sender-stop-test")
            let context = BackgroundContext(
                prepared: StartupGate(open: true),
                // A series of a family with HELP: the registry is the process's, which other suites scrape.
                database: DependencyHealth(
                    name: "database", gauge: Gauge(label: SamtykkeMetrics.witnessUp, dimensions: [("witness", "webhook-sender-stop-test")]), logger: logger
                ),
                witnesses: [], logger: logger
            )
            let sender = WebhookSender(
                context, store: store, now: { Date() }, settings: Broker.WebhookDelivery(), bell: DeliveryBell(), activity: Activity(),
                traceOrigins: TraceOrigins(), signer: ES256Signer(privateKey: P256.Signing.PrivateKey()), allowPrivate: false
            )
            let group = ServiceGroup(configuration: .init(services: [.init(service: sender)], logger: logger))
            let running = Task { try await group.run() }
            // Its first claim is under way by then, waiting for the lock.
            try await Task.sleep(for: .milliseconds(500))
            let stopping = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await running.value
            let took = stopping.duration(to: .now)
            #expect(took < .seconds(3), "the sender took \(took) to stop")

            _ = FileManager.default.createFile(atPath: release, contents: nil)
            let held = try await holder.value
            #expect(held.status == 0, "the lock holder failed: \(held.stderr)")
        }
    }

    /// Holds the database's write lock, says so by creating the file named second, and lets go once
    /// the file named third exists.
    private static let lockHolder = """
        import os, sqlite3, sys, time
        database, locked, release = sys.argv[1:4]
        connection = sqlite3.connect(database, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        open(locked, "w").close()
        deadline = time.monotonic() + 60
        while not os.path.exists(release):
            if time.monotonic() > deadline: sys.exit("not released within 60 s")
            time.sleep(0.01)
        connection.execute("ROLLBACK")
        """
}
