import Foundation
import GRDB
import Testing
import TestSupport

@testable import SQLiteStore

/// What the schema costs each write, and what v8's rewrite of its checks kept.
@Suite(.sameOnEveryBackend) struct SQLiteSchemaTests {
    /// No insert or update of any table builds a temporary b-tree (`OpenEphemeral`) to check a row:
    /// SQLite does that for every `IN (...)` of three or more values in a CHECK or a partial index.
    @Test func noWriteOfAnyTableBuildsATemporaryTable() throws {
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue)
        try queue.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'")
            #expect(tables.contains("consent") && tables.contains("event"))
            for table in tables {
                let columns = try db.columns(in: table).map { "\"\($0.name)\"" }
                let insert = "INSERT INTO \"\(table)\" (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
                let update = "UPDATE \"\(table)\" SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE rowid = ?"
                // A WITHOUT ROWID table has no rowid to update by.
                for sql in table == "merkleNode" ? [insert] : [insert, update] {
                    let nulls = StatementArguments(Array(repeating: DatabaseValue.null, count: sql.filter { $0 == "?" }.count))
                    let opcodes = try Row.fetchAll(db, sql: "EXPLAIN " + sql, arguments: nulls).map { $0["opcode"] as String }
                    #expect(!opcodes.contains("OpenEphemeral"), "\(sql)")
                }
            }
        }
    }

    /// The retention sweep reads ended consents through their partial index, not a scan of them all.
    @Test func theSweepUsesThePartialIndexOfEndedConsents() throws {
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue)
        let plan = try queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.endedBeforeSQL, arguments: ["2027-01-01 00:00:00.000", 10]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX consent_ended") }, "\(plan)")
    }

    /// A database made before v8, with rows in the tables v8 rebuilds, keeps them, its indexes and
    /// its triggers; the rewritten checks refuse what the lists refused.
    @Test func theRebuiltTablesKeepTheirRowsTriggersAndChecks() throws {
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue, upTo: "v7-retention")
        let at = "2026-12-01 12:00:00.000"
        try queue.write { db in
            try db.execute(sql: "INSERT INTO bank (org, name, createdAt) VALUES ('986352325', 'Test Sparebank', ?)", arguments: [at])
            try db.execute(sql: """
                INSERT INTO consent VALUES ('c1', '986352325', '01017012345', 'income', '2024', 'loan', 'Mortgage', ?, 3, 0, 'active', ?, ?, ?, ?)
                """, arguments: [at, at, at, at, at])
            try db.execute(sql: "INSERT INTO webhook VALUES ('w1', '986352325', 'https://bank.example/hook', x'00', ?, 'active', 0)", arguments: [at])
            try db.execute(sql: "INSERT INTO event VALUES (0, 'evt_0', 'consent.granted', ?, '986352325', 'c1', 'active')", arguments: [at])
        }
        try Migrations.migrator.migrate(queue)
        try queue.write { db in
            #expect(try String.fetchOne(db, sql: "SELECT status FROM consent WHERE id = 'c1'") == "active")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE webhookId = 'w1' AND logIdx = 0") == 1)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('consent', 'event', 'delivery')")
            #expect(Set(indexes).isSuperset(of: ["consent_by_bank", "consent_by_person", "consent_ended", "consent_open_by_expiry", "event_by_bank", "delivery_due"]))
            // The fan-out trigger was made again with its table: a new event reaches the webhook.
            try db.execute(sql: "INSERT INTO event VALUES (1, 'evt_1', 'consent.revoked', ?, '986352325', 'c1', 'revoked')", arguments: [at])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM delivery WHERE logIdx = 1") == 1)
            // Ended consents still reach the partial index, open ones still do not.
            try db.execute(sql: "UPDATE consent SET status = 'revoked' WHERE id = 'c1'")
            #expect(try String.fetchAll(db, sql: SQLiteStore.endedBeforeSQL, arguments: ["2027-01-01 00:00:00.000", 10]) == ["c1"])
            try Self.expectCheckRefuses(db, "UPDATE consent SET status = 'paused' WHERE id = 'c1'")
            try Self.expectCheckRefuses(db, "UPDATE event SET status = 'paused' WHERE logIdx = 0")
            try Self.expectCheckRefuses(db, "UPDATE delivery SET state = 'lost' WHERE logIdx = 0")
            try Self.expectCheckRefuses(db, "UPDATE webhook SET status = 'asleep' WHERE id = 'w1'")
        }
    }

    /// Refused by a CHECK constraint, not by whatever else could go wrong with the statement.
    static func expectCheckRefuses(_ db: Database, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let error = #expect(throws: DatabaseError.self, sourceLocation: sourceLocation) { try db.execute(sql: sql) }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK, "\(sql): \(String(describing: error))", sourceLocation: sourceLocation)
    }
}
