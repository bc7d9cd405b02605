import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore
import SQLiteStore
import TestSupport
import Testing

/// Forgetting is crypto-shredding (issue 27.3): once retention forgot a person's only consent, the
/// database holds their number nowhere (SQLite: not in any page of the file, its WAL or its free
/// pages; PostgreSQL: in no row of any table) and the bank's number only in the bank's own rows.
extension StoreContractTests {
    @Test(arguments: Backend.available)
    func aForgottenConsentLeavesNoPersonOrBankNumberInTheDatabase(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            let log = LogSequencer(store: t.store, signer: signer)
            let consent = try await endedConsentOfOnePerson(t, log)
            try await forget(consent, t, log)
            if let path = t.sqlitePath {
                try sqliteFilesHoldNoForgottenNumbers(path)
            } else {
                try await rowsHoldNoForgottenNumbers(t)
            }
        }
    }

    /// SQLite runs one checkpoint at a time and answers busy at once to a second, so the sweep's
    /// TRUNCATE checkpoint may meet the background checkpointer's and must try again, not leave the
    /// forgotten rows in the WAL until some later commit. Another process holds SQLite's checkpointer
    /// lock (byte 121 of the `-shm` file, https://sqlite.org/walformat.html) from before the sweep
    /// until 100 ms after its commit wrote the WAL, so the sweep's first attempt always meets it.
    @Test func aForgetThatMeetsAnotherCheckpointStillEmptiesTheWriteAheadLog() async throws {
        try await TestStore.with(.sqlite) { t in
            let path = try #require(t.sqlitePath)
            let log = LogSequencer(store: t.store, signer: signer)
            let consent = try await endedConsentOfOnePerson(t, log)
            let letGo = try await holdCheckpointLock(of: path)
            try await forget(consent, t, log)
            try await letGo()
            try sqliteFilesHoldNoForgottenNumbers(path)
        }
    }

    /// A broker that ends (a crash, a kill) after a forget's commit and before its TRUNCATE
    /// checkpoint leaves the forgotten rows in the WAL; the next start empties it before anything
    /// else. The checkpointer lock is held until the sweep gave up on it, then the files are copied
    /// as they are, as a crash would leave them, and opened again.
    @Test func aForgetCutShortByACrashIsShreddedWhenTheFileIsOpenedAgain() async throws {
        try await TestStore.with(.sqlite) { t in
            let path = try #require(t.sqlitePath)
            let log = LogSequencer(store: t.store, signer: signer)
            let consent = try await endedConsentOfOnePerson(t, log)
            let release = path + ".release"
            let letGo = try await holdCheckpointLock(of: path, until: release)
            try await forget(consent, t, log)
            let crashed = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("crashed.sqlite").path
            for suffix in ["", "-wal", "-shm"] { try FileManager.default.copyItem(atPath: path + suffix, toPath: crashed + suffix) }
            _ = FileManager.default.createFile(atPath: release, contents: nil)
            try await letGo()
            let wal = Array(try Data(contentsOf: URL(fileURLWithPath: crashed + "-wal")))
            try #require(contains(wal[...], person.digits), "the sweep gave up, so the WAL left behind holds the forgotten number")
            let reopened = try SQLiteStore(path: crashed)
            try sqliteFilesHoldNoForgottenNumbers(crashed)
            withExtendedLifetime(reopened) {}
        }
    }

    /// Starts `checkpointLockHolder` on the database at `path` and returns once it holds the lock.
    /// It lets go once `release` exists, or without one 100 ms after the WAL next changes; what this
    /// returns waits for that and checks that the holder ended well.
    private func holdCheckpointLock(of path: String, until release: String? = nil) async throws -> @Sendable () async throws -> Void {
        let locked = path + ".checkpoint-locked"
        let holder = Task {
            try await TestPython.run(["-c", Self.checkpointLockHolder, path, locked] + (release.map { [$0] } ?? []))
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: locked) {
            guard ContinuousClock.now < deadline else { throw Unexpected("the checkpoint lock was not taken within 30 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        return {
            let held = try await holder.value
            #expect(held.status == 0, "the lock holder failed: \(held.stderr)")
        }
    }

    /// Takes the checkpointer lock and says so by creating the file named second; lets go once the
    /// file named third exists, or without one, 100 ms after the WAL next changes.
    private static let checkpointLockHolder = """
        import fcntl, os, sys, time
        database, locked = sys.argv[1], sys.argv[2]
        release = sys.argv[3] if len(sys.argv) > 3 else None
        shm = open(database + "-shm", "r+b")
        fcntl.lockf(shm, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 121)
        before = os.stat(database + "-wal").st_mtime_ns
        open(locked, "w").close()
        deadline = time.monotonic() + 30
        def waiting():
            if release: return not os.path.exists(release)
            return os.stat(database + "-wal").st_mtime_ns == before
        while waiting():
            if time.monotonic() > deadline: sys.exit("nothing happened for 30 s")
            time.sleep(0.002)
        if not release: time.sleep(0.1)
        """

    /// A person's only consent, requested under an Idempotency-Key, granted, used once under
    /// another (with events, deliveries and an attempt) and revoked; the person's web session of
    /// that day has expired.
    private func endedConsentOfOnePerson(_ t: TestStore, _ log: LogSequencer) async throws -> Consent {
        _ = try await t.store.addBank(org: bank, name: "Test Sparebank", now: now)
        try await t.store.addCitizenSession(
            CitizenSession(idHash: Array(repeating: 7, count: 32), person: person, csrfToken: "csrf", createdAt: now.addingTimeInterval(-1_770), expiresAt: now.addingTimeInterval(30)),
            now: now
        )
        try await t.store.addWebhook(webhook("wh_a"))
        let consent = try await log.commit(Change(.create(try request(maxUses: 2)), claiming: key("create")), at: now).outcome.acceptedConsent()
        _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .grant(by: person))), at: now)
        let claimed = try await t.store.claim(key("bundle"), now: now)
        guard case .proceed(let claim) = claimed else { throw Unexpected("the bundle's key was not claimed: \(claimed)") }
        _ = try await log.commit(
            Change(.act(consent.id, by: .bank(bank), .issueBundle(issue(), for: bank)), completing: IdempotencyCompletion(claim: claim, sealedBundle: [7])),
            at: now
        )
        let jobs = try await t.store.claimDeliveries(now: now, leaseUntil: now.addingTimeInterval(60), limit: 10, perEndpoint: 10, lease: "l")
        for job in jobs { try await t.store.finishDelivery(job, attempt: attempt(job, .status(500)), verdict: .retry(at: now), failingAfter: 3) }
        _ = try await log.commit(Change(.act(consent.id, by: .citizen(person), .revoke(by: person))), at: now)
        #expect(try await t.store.subjectKey(of: person) != nil)
        return consent
    }

    private func forget(_ consent: Consent, _ t: TestStore, _ log: LogSequencer) async throws {
        let swept = try await log.commit(Change(.forgetEnded(endedBefore: now.addingTimeInterval(1), limit: 10)), at: now.addingTimeInterval(60))
        #expect(swept.outcome.forgotten == 1)
        #expect(try await t.store.subjectKey(of: person) == nil)
        #expect(try await t.store.forgottenConsent(consent.id, for: .bank(bank)) != nil)
    }

    /// Every page of the database file is read, and each one holding the bank's number must belong
    /// to the bank's own rows; the person's number is in no page, and the WAL (emptied by the
    /// sweep's TRUNCATE checkpoint) and its index hold neither.
    private func sqliteFilesHoldNoForgottenNumbers(_ path: String) throws {
        let (pageSize, owners) = try DatabaseQueue(path: path).read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA page_size")!,
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT pageno, name FROM dbstat").map { ($0["pageno"] as Int, $0["name"] as String) })
            )
        }
        let database = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let bankRows: Set<String> = ["bank", "sqlite_autoindex_bank_1", "apiKey", "webhook", "webhook_by_bank", "forgottenConsent"]
        for start in stride(from: 0, to: database.count, by: pageSize) {
            let page = database[start..<min(start + pageSize, database.count)]
            let owner = owners[start / pageSize + 1] ?? "a free page"
            #expect(!contains(page, person.digits), "page \(start / pageSize + 1) (\(owner)) holds the forgotten person's number")
            if contains(page, bank.digits) { #expect(bankRows.contains(owner), "page \(start / pageSize + 1) (\(owner)) holds the bank's number") }
        }
        for suffix in ["-wal", "-shm"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))).map(Array.init) ?? []
            #expect(!contains(bytes[...], person.digits) && !contains(bytes[...], bank.digits), "\(suffix) holds a forgotten number")
        }
    }

    /// PostgreSQL keeps deleted rows as dead tuples until VACUUM (README, "Retention"): what the
    /// broker promises there is that no row of any table names them, as text or as hex in a bytea.
    private func rowsHoldNoForgottenNumbers(_ t: TestStore) async throws {
        func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }
        try await t.execute("""
            DO $$
            DECLARE r record; found bigint;
            BEGIN
                FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
                    EXECUTE format('SELECT count(*) FROM %I t WHERE t::text LIKE %L OR t::text LIKE %L', r.tablename,
                        '%\(person.digits)%', '%\(hex(person.digits))%') INTO found;
                    IF found > 0 THEN RAISE EXCEPTION 'table % names the forgotten person', r.tablename; END IF;
                    IF r.tablename NOT IN ('bank', 'apikey', 'bankpublickey', 'webhook', 'forgottenconsent') THEN
                        EXECUTE format('SELECT count(*) FROM %I t WHERE t::text LIKE %L OR t::text LIKE %L', r.tablename,
                            '%\(bank.digits)%', '%\(hex(bank.digits))%') INTO found;
                        IF found > 0 THEN RAISE EXCEPTION 'table % names the bank', r.tablename; END IF;
                    END IF;
                END LOOP;
            END
            $$
            """)
    }

    private struct Unexpected: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private func contains(_ haystack: ArraySlice<UInt8>, _ needle: String) -> Bool {
        let bytes = Array(needle.utf8)
        guard haystack.count >= bytes.count else { return false }
        var i = haystack.startIndex
        while i <= haystack.endIndex - bytes.count {
            if haystack[i] == bytes[0], haystack[i..<i + bytes.count].elementsEqual(bytes) { return true }
            i += 1
        }
        return false
    }
}
