import GRDB

/// The schema, one migration per shipped change. A shipped migration is never edited; changes come as
/// new ones. Migrations speak SQL only, never app types, so they keep meaning what they meant.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-consents-and-log") { db in
            try db.create(table: "bank") { t in
                t.primaryKey("org", .text).check { length($0) == 9 }
                t.column("name", .text).notNull().check { length($0) > 0 }
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "auditor") { t in
                t.primaryKey("name", .text).check { length($0) > 0 }
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "apiKey") { t in
                t.primaryKey("id", .text)
                t.column("role", .text).notNull().check { ["bank", "auditor"].contains($0) }
                t.column("bankOrg", .text).references("bank", onDelete: .restrict)
                t.column("auditorName", .text).references("auditor", onDelete: .restrict)
                t.column("secretHash", .blob).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("revokedAt", .datetime)
                t.check(sql: "(role = 'bank' AND bankOrg IS NOT NULL AND auditorName IS NULL) OR (role = 'auditor' AND auditorName IS NOT NULL AND bankOrg IS NULL)")
            }
            try db.create(table: "consent") { t in
                t.primaryKey("id", .text)
                t.column("bankOrg", .text).notNull().indexed().references("bank", onDelete: .restrict)
                t.column("personId", .text).notNull().indexed()
                t.column("scopes", .text).notNull()
                t.column("years", .text).notNull()
                t.column("purposeCode", .text).notNull()
                t.column("purposeText", .text).notNull()
                t.column("validUntil", .datetime).notNull()
                t.column("maxUses", .integer).notNull().check { $0 >= 1 && $0 <= 100 }
                t.column("uses", .integer).notNull().check(sql: "uses >= 0 AND uses <= maxUses")
                t.column("status", .text).notNull()
                    .check { ["pending", "active", "denied", "revoked", "expired", "exhausted"].contains($0) }
                t.column("createdAt", .datetime).notNull()
                t.column("requestExpiresAt", .datetime).notNull()
                t.column("grantedAt", .datetime)
                t.column("statusChangedAt", .datetime).notNull()
            }
            try db.create(index: "consent_open_by_expiry", on: "consent", columns: ["status", "requestExpiresAt", "validUntil"])

            // The consent log. `idx` is the leaf index; `leaf` the exact RFC 8785 bytes that were hashed.
            // The other columns repeat facts from the leaf so auditors can filter without parsing JSON.
            try db.create(table: "auditEntry") { t in
                t.primaryKey("idx", .integer).check { $0 >= 0 }
                t.column("leaf", .blob).notNull()
                t.column("leafHash", .blob).notNull().check { length($0) == 32 }
                t.column("type", .text).notNull()
                t.column("time", .datetime).notNull()
                t.column("consentId", .text).notNull().indexed()
                t.column("personId", .text).notNull().indexed()
                t.column("bankOrg", .text).notNull().indexed()
            }
            // Every complete (perfect) subtree of the Merkle tree, so roots and proofs cost O(log n) reads.
            try db.create(table: "merkleNode", options: .withoutRowID) { t in
                t.column("level", .integer).notNull()
                t.column("idx", .integer).notNull()
                t.column("hash", .blob).notNull().check { length($0) == 32 }
                t.primaryKey(["level", "idx"])
            }
            // Every signed checkpoint, newest last.
            try db.create(table: "checkpoint") { t in
                t.primaryKey("size", .integer)
                t.column("rootHash", .blob).notNull()
                t.column("signedNote", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            // Nothing in the product updates or deletes log rows; the database refuses it too.
            for table in ["auditEntry", "merkleNode", "checkpoint"] {
                for action in ["UPDATE", "DELETE"] {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_no_\(action.lowercased()) BEFORE \(action) ON \(table)
                        BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END
                        """)
                }
            }
        }
        migrator.registerMigration("v2-idempotency-keys") { db in
            // One row per bank and Idempotency-Key: the request it was first used with (as a digest)
            // and, once finished, the exact answer, which retries get again.
            try db.create(table: "idempotencyKey") { t in
                t.column("bankOrg", .text).notNull().references("bank", onDelete: .restrict)
                t.column("key", .text).notNull()
                t.column("requestHash", .blob).notNull()
                t.column("state", .text).notNull().check { ["pending", "done"].contains($0) }
                t.column("status", .integer)
                t.column("body", .blob)
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["bankOrg", "key"])
                t.check(sql: "(state = 'pending' AND body IS NULL) OR (state = 'done' AND body IS NOT NULL AND status IS NOT NULL)")
            }
        }
        migrator.registerMigration("v3-log-head-withdrawal-claims") { db in
            // `withdrawn` joins the statuses; SQLite changes a CHECK only by rebuilding the table.
            try db.create(table: "consentNew") { t in
                t.primaryKey("id", .text)
                t.column("bankOrg", .text).notNull().references("bank", onDelete: .restrict)
                t.column("personId", .text).notNull()
                t.column("scopes", .text).notNull()
                t.column("years", .text).notNull()
                t.column("purposeCode", .text).notNull()
                t.column("purposeText", .text).notNull()
                t.column("validUntil", .datetime).notNull()
                t.column("maxUses", .integer).notNull().check { $0 >= 1 && $0 <= 100 }
                t.column("uses", .integer).notNull().check(sql: "uses >= 0 AND uses <= maxUses")
                t.column("status", .text).notNull()
                    .check { ["pending", "active", "denied", "revoked", "withdrawn", "expired", "exhausted"].contains($0) }
                t.column("createdAt", .datetime).notNull()
                t.column("requestExpiresAt", .datetime).notNull()
                t.column("grantedAt", .datetime)
                t.column("statusChangedAt", .datetime).notNull()
            }
            try db.execute(sql: "INSERT INTO consentNew SELECT * FROM consent")
            try db.drop(table: "consent")
            try db.rename(table: "consentNew", to: "consent")
            try db.create(index: "consent_open_by_expiry", on: "consent", columns: ["status", "requestExpiresAt", "validUntil"])
            try db.create(index: "consent_by_bank", on: "consent", columns: ["bankOrg", "createdAt", "id"])
            try db.create(index: "consent_by_person", on: "consent", columns: ["personId", "createdAt", "id"])

            // The log's head in one row: appends read it instead of scanning for the largest index.
            try db.create(table: "logHead") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("size", .integer).notNull().check { $0 >= 0 }
            }
            try db.execute(sql: "INSERT INTO logHead (id, size) SELECT 1, COALESCE(MAX(idx) + 1, 0) FROM auditEntry")
            try db.execute(sql: """
                CREATE TRIGGER logHead_only_grows BEFORE UPDATE ON logHead WHEN NEW.size < OLD.size OR NEW.id != OLD.id
                BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END
                """)
            try db.execute(sql: """
                CREATE TRIGGER logHead_no_delete BEFORE DELETE ON logHead
                BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END
                """)
            // INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers, so inserts
            // are policed too: an entry carries the next index, a node or checkpoint is never rewritten.
            try db.execute(sql: """
                CREATE TRIGGER auditEntry_next_index BEFORE INSERT ON auditEntry
                WHEN NEW.idx != COALESCE((SELECT MAX(idx) FROM auditEntry), -1) + 1
                BEGIN SELECT RAISE(ABORT, 'the consent log is append-only: an entry must carry the next index'); END
                """)
            try db.execute(sql: """
                CREATE TRIGGER merkleNode_no_rewrite BEFORE INSERT ON merkleNode
                WHEN EXISTS (SELECT 1 FROM merkleNode WHERE level = NEW.level AND idx = NEW.idx)
                BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END
                """)
            try db.execute(sql: """
                CREATE TRIGGER checkpoint_no_rewrite BEFORE INSERT ON checkpoint
                WHEN EXISTS (SELECT 1 FROM checkpoint WHERE size = NEW.size)
                BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END
                """)

            // Claims now carry a token, and finished ones a domain result instead of an HTTP answer.
            // Old records are replay caches that live a day at most: they are not carried over.
            try db.drop(table: "idempotencyKey")
            try db.create(table: "idempotencyKey") { t in
                t.column("bankOrg", .text).notNull().references("bank", onDelete: .restrict)
                t.column("key", .text).notNull()
                t.column("requestHash", .blob).notNull()
                t.column("state", .text).notNull().check { ["pending", "done"].contains($0) }
                t.column("token", .text).notNull()
                t.column("resultKind", .text).check { ["consent", "bundle"].contains($0) }
                t.column("consentId", .text)
                t.column("sealedBundle", .blob)
                t.column("logIndex", .integer)
                t.column("createdAt", .datetime).notNull()
                t.column("completedAt", .datetime)
                t.primaryKey(["bankOrg", "key"])
                t.check(sql: """
                    (state = 'pending' AND resultKind IS NULL AND completedAt IS NULL)
                    OR (state = 'done' AND completedAt IS NOT NULL AND consentId IS NOT NULL
                        AND (resultKind = 'consent' OR (resultKind = 'bundle' AND sealedBundle IS NOT NULL AND logIndex IS NOT NULL)))
                    """)
            }
            try db.create(index: "idempotencyKey_by_age", on: "idempotencyKey", columns: ["createdAt"])
        }
        migrator.registerMigration("v4-events-and-webhooks") { db in
            // The outbox: one row per entry a bank hears of (every entry but `bundle.refused`), written
            // by the commit that writes the entry. `logIdx` orders the feed; `id` is `evt_` + `logIdx`.
            try db.create(table: "event") { t in
                t.primaryKey("logIdx", .integer)
                t.column("id", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("time", .datetime).notNull()
                t.column("bankOrg", .text).notNull().references("bank", onDelete: .restrict)
                t.column("consentId", .text).notNull()
                t.column("status", .text).notNull()
                    .check { ["pending", "active", "denied", "revoked", "withdrawn", "expired", "exhausted"].contains($0) }
                t.check(sql: "id = 'evt_' || logIdx")
            }
            try db.create(index: "event_by_bank", on: "event", columns: ["bankOrg", "logIdx"])
            // Entries logged before the outbox existed get their events too, so the feed starts at the beginning.
            try db.execute(sql: """
                INSERT INTO event (logIdx, id, type, time, bankOrg, consentId, status)
                SELECT idx, 'evt_' || idx, type, time, bankOrg, consentId,
                    CASE type WHEN 'consent.requested' THEN 'pending' WHEN 'bundle.issued' THEN 'active'
                        ELSE json_extract(CAST(leaf AS TEXT), '$.details.to') END
                FROM auditEntry WHERE type != 'bundle.refused' ORDER BY idx
                """)
            // A bank's endpoints; the signing secret only sealed, under a key the database never holds.
            try db.create(table: "webhook") { t in
                t.primaryKey("id", .text)
                t.column("bankOrg", .text).notNull().references("bank", onDelete: .restrict)
                t.column("url", .text).notNull()
                t.column("sealedSecret", .blob).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("status", .text).notNull().check { ["active", "failing", "disabled"].contains($0) }
            }
            try db.create(index: "webhook_by_bank", on: "webhook", columns: ["bankOrg", "createdAt"])
        }
        migrator.registerMigration("v5-idempotency-bundles-by-consent") { db in
            // A revoke, withdrawal or expiry deletes the consent's bundle records in its own commit.
            try db.execute(sql: "CREATE INDEX idempotencyKey_bundles_by_consent ON idempotencyKey (consentId) WHERE resultKind = 'bundle'")
        }
        migrator.registerMigration("v6-webhook-deliveries") { db in
            try db.alter(table: "webhook") { t in
                t.add(column: "failuresInARow", .integer).notNull().defaults(to: 0)
            }
            // One row per event and endpoint: the sender's queue, and what `webhook log` and replay read.
            try db.create(table: "delivery") { t in
                t.column("webhookId", .text).notNull().references("webhook", onDelete: .cascade)
                t.column("logIdx", .integer).notNull().references("event", column: "logIdx", onDelete: .cascade)
                t.column("consentId", .text).notNull()
                t.column("state", .text).notNull().check { ["pending", "delivered", "failed"].contains($0) }
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("leaseUntil", .datetime)
                t.column("lease", .text)
                t.primaryKey(["webhookId", "logIdx"])
            }
            try db.execute(sql: "CREATE INDEX delivery_due ON delivery (nextAttemptAt) WHERE state = 'pending'")
            try db.execute(sql: "CREATE INDEX delivery_open_by_consent ON delivery (webhookId, consentId, logIdx) WHERE state = 'pending'")
            try db.create(table: "deliveryAttempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("webhookId", .text).notNull()
                t.column("logIdx", .integer).notNull()
                t.column("attempt", .integer).notNull()
                t.column("at", .datetime).notNull()
                t.column("milliseconds", .integer).notNull()
                t.column("status", .integer)
                t.column("error", .text)
                t.foreignKey(["webhookId", "logIdx"], references: "delivery", onDelete: .cascade)
                t.check(sql: "(status IS NULL) != (error IS NULL)")
            }
            try db.create(index: "deliveryAttempt_by_webhook", on: "deliveryAttempt", columns: ["webhookId", "id"])
            // The outbox fans out inside the commit that writes the event, so no event is lost
            // between the commit and the sender, and a commit without webhooks pays nothing.
            try db.execute(sql: """
                CREATE TRIGGER event_fan_out AFTER INSERT ON event BEGIN
                    INSERT INTO delivery (webhookId, logIdx, consentId, state, attempts, nextAttemptAt)
                    SELECT id, NEW.logIdx, NEW.consentId, 'pending', 0, NEW.time FROM webhook
                    WHERE bankOrg = NEW.bankOrg AND status != 'disabled';
                END
                """)
        }
        migrator.registerMigration("v7-retention") { db in
            // What retention leaves of a consent in the live tables: its bank, how and when it ended,
            // and when it was forgotten; nothing of the person (the log keeps the history).
            try db.create(table: "forgottenConsent") { t in
                t.primaryKey("id", .text)
                t.column("bankOrg", .text).notNull().references("bank", onDelete: .restrict)
                t.column("status", .text).notNull().check { ["denied", "revoked", "withdrawn", "expired", "exhausted"].contains($0) }
                t.column("createdAt", .datetime).notNull()
                t.column("endedAt", .datetime).notNull()
                t.column("forgottenAt", .datetime).notNull()
            }
            // The sweep asks for terminal consents that ended before a moment, longest ended first.
            try db.execute(sql: """
                CREATE INDEX consent_ended ON consent (statusChangedAt, id)
                WHERE status IN ('denied', 'revoked', 'withdrawn', 'expired', 'exhausted')
                """)
            // It deletes a consent's idempotency records (bundle ones have an index since v5) and
            // its events, whose deliveries and attempts cascade: each child found by its parent's key.
            try db.execute(sql: "CREATE INDEX idempotencyKey_consents_by_consent ON idempotencyKey (consentId) WHERE resultKind = 'consent'")
            try db.execute(sql: "CREATE INDEX delivery_by_event ON delivery (logIdx)")
            try db.execute(sql: "CREATE INDEX deliveryAttempt_by_delivery ON deliveryAttempt (webhookId, logIdx)")
        }
        migrator.registerMigration("v8-checks-without-in-lists") { db in
            // SQLite (3.40, Debian 12's) evaluates `x IN (three or more values)` by building a
            // temporary b-tree on every execution of a statement that checks it: each consent insert
            // built two (its status CHECK, the `consent_ended` WHERE), each update three, each event
            // two, a tenth of the log writer's time. The same checks as OR chains are plain
            // comparisons; they allow exactly the rows they allowed.
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '% IN (%' ORDER BY name") {
                try rebuild(db, table: table, edit: orChains)
            }
            for (name, sql) in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% IN (%'").map({ ($0[0] as String, $0[1] as String) }) {
                try db.execute(sql: "DROP INDEX \(name)")
                try db.execute(sql: orChains(sql))
            }
            // LIKE finds more than the rewrite matches: fail the migration rather than keep a list.
            for sql in try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL") where orChains(sql) != sql {
                throw DatabaseError(message: "v8 left an IN list in: \(sql)")
            }
        }
        migrator.registerMigration("v9-consent-external-reference") { db in
            // The bank's own id for the application: optional, so existing rows have none.
            try db.execute(sql: "ALTER TABLE consent ADD COLUMN externalReference TEXT CHECK (externalReference IS NULL OR length(externalReference) BETWEEN 1 AND 64)")
            try db.execute(sql: "CREATE INDEX consent_by_external_reference ON consent (bankOrg, externalReference) WHERE externalReference IS NOT NULL")
        }
        migrator.registerMigration("v10-bank-public-keys") { db in
            // Banks' public keys for /v1/token, each named by its kid within the bank (SPEC §2c).
            try db.execute(sql: """
                CREATE TABLE bankPublicKey (
                    bankOrg TEXT NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
                    kid TEXT NOT NULL CHECK (length(kid) > 0),
                    jwk TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (bankOrg, kid)
                )
                """)
            // Grant assertions' and DPoP proofs' jtis, until the credential carrying them expires.
            try db.execute(sql: """
                CREATE TABLE usedOnce (
                    namespace TEXT NOT NULL,
                    value TEXT NOT NULL,
                    expiresAt DATETIME NOT NULL,
                    PRIMARY KEY (namespace, value)
                )
                """)
            try db.execute(sql: "CREATE INDEX usedOnce_by_expiry ON usedOnce (expiresAt)")
        }
        migrator.registerMigration("v11-public-entries") { db in
            // v2 entries name nobody (SPEC §4): their rows leave the party columns empty, which
            // only v1 rows fill. Filters and forgetting find v2 entries' parties in their openings.
            try rebuild(db, table: "auditEntry") { sql in
                ["consentId", "personId", "bankOrg"].reduce(sql) { $0.replacingOccurrences(of: "\"\($1)\" TEXT NOT NULL", with: "\"\($1)\" TEXT") }
            }
            guard try Row.fetchAll(db, sql: "PRAGMA table_info(auditEntry)").allSatisfy({ row in
                    !["consentId", "personId", "bankOrg"].contains(row["name"] as String) || (row["notnull"] as Int) == 0
                })
            else { throw DatabaseError(message: "v11 left a party column of auditEntry NOT NULL") }
            // Each consent's public tag, drawn when it is requested (none for one requested before v2).
            try db.execute(sql: "CREATE TABLE consentTag (consentId TEXT PRIMARY KEY, tag BLOB NOT NULL UNIQUE CHECK (length(tag) = 16))")
            // Each person's subject key, drawn at their first v2 entry; forgetting the person deletes it.
            try db.execute(sql: "CREATE TABLE subjectKey (personId TEXT PRIMARY KEY, key BLOB NOT NULL CHECK (length(key) = 32))")
            // Each v2 entry's opening (salt and canonical private part), with the parties it names
            // to filter and forget by (none on consent.forgotten). Deleting a row is how retention
            // forgets; the entry it opened stays.
            try db.execute(sql: """
                CREATE TABLE entryOpening (
                    idx INTEGER PRIMARY KEY,
                    type TEXT NOT NULL,
                    consentId TEXT,
                    personId TEXT,
                    bankOrg TEXT,
                    salt BLOB NOT NULL CHECK (length(salt) = 32),
                    private BLOB NOT NULL
                )
                """)
            for column in ["consentId", "personId", "bankOrg"] {
                try db.execute(sql: "CREATE INDEX entryOpening_by_\(column) ON entryOpening (\(column), idx) WHERE \(column) IS NOT NULL")
            }
            // Who each entry is about, whichever version: v1 rows name their parties, v2 ones through their openings.
            try db.execute(sql: """
                CREATE VIEW entryParty AS
                SELECT idx, consentId, personId, bankOrg FROM auditEntry WHERE consentId IS NOT NULL
                UNION ALL SELECT idx, consentId, personId, bankOrg FROM entryOpening WHERE consentId IS NOT NULL
                """)
        }
        migrator.registerMigration("v12-webhook-event-types") { db in
            // Which event types an endpoint gets: `,type,type,`, empty for every type (`Webhook.column`).
            try db.execute(sql: "ALTER TABLE webhook ADD COLUMN eventTypes TEXT NOT NULL DEFAULT ''")
            try db.execute(sql: "DROP TRIGGER event_fan_out")
            try db.execute(sql: """
                CREATE TRIGGER event_fan_out AFTER INSERT ON event BEGIN
                    INSERT INTO delivery (webhookId, logIdx, consentId, state, attempts, nextAttemptAt)
                    SELECT id, NEW.logIdx, NEW.consentId, 'pending', 0, NEW.time FROM webhook
                    WHERE bankOrg = NEW.bankOrg AND status != 'disabled' AND (eventTypes = '' OR instr(eventTypes, ',' || NEW.type || ',') > 0);
                END
                """)
        }
        migrator.registerMigration("v13-webhook-tests-and-rotation") { db in
            // The secret a rotation replaced, signing beside the new one until previousSecretUntil.
            try db.execute(sql: "ALTER TABLE webhook ADD COLUMN previousSealedSecret BLOB")
            try db.execute(sql: """
                ALTER TABLE webhook ADD COLUMN previousSecretUntil DATETIME
                    CHECK ((previousSealedSecret IS NULL) = (previousSecretUntil IS NULL))
                """)
            // A test event a bank asked for, and its one delivery: `evt_test_` + seq. afterIdx is the
            // newest event's when it was sent, where it sorts in the endpoint's delivery log.
            // AUTOINCREMENT: a test's id is never given again, even after its endpoint is removed. The
            // CHECK is an OR chain, since an IN list makes every write build a temporary table.
            try db.execute(sql: """
                CREATE TABLE webhookTest (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    webhookId TEXT NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
                    afterIdx INTEGER NOT NULL,
                    time DATETIME NOT NULL,
                    state TEXT NOT NULL CHECK (state = 'pending' OR state = 'delivered' OR state = 'failed'),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    nextAttemptAt DATETIME NOT NULL,
                    leaseUntil DATETIME,
                    lease TEXT,
                    lastAttemptAt DATETIME,
                    lastMilliseconds INTEGER,
                    lastStatus INTEGER,
                    lastError TEXT
                )
                """)
            try db.execute(sql: "CREATE INDEX webhookTest_by_webhook ON webhookTest (webhookId, afterIdx, seq)")
            try db.execute(sql: "CREATE INDEX webhookTest_due ON webhookTest (nextAttemptAt) WHERE state = 'pending'")
        }
        migrator.registerMigration("v14-citizen-way-in") { db in
            // SPEC §2b: where the consent page sends the citizen back to, one of its bank's registered URIs.
            try db.execute(sql: "ALTER TABLE consent ADD COLUMN redirectUrl TEXT CHECK (redirectUrl IS NULL OR length(redirectUrl) BETWEEN 1 AND 2048)")
            try db.execute(sql: """
                CREATE TABLE bankRedirectURI (
                    bankOrg TEXT NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
                    uri TEXT NOT NULL CHECK (length(uri) BETWEEN 1 AND 2048),
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (bankOrg, uri)
                )
                """)
            // Citizens' sessions by the SHA-256 of their token: a copy of the database holds no live session.
            try db.execute(sql: """
                CREATE TABLE citizenSession (
                    idHash BLOB PRIMARY KEY CHECK (length(idHash) = 32),
                    personId TEXT NOT NULL,
                    csrfToken TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX citizenSession_by_expiry ON citizenSession (expiresAt)")
            // OpenID Connect logins under way, by the SHA-256 of their state; each taken once.
            try db.execute(sql: """
                CREATE TABLE pendingLogin (
                    stateHash BLOB PRIMARY KEY CHECK (length(stateHash) = 32),
                    nonce TEXT NOT NULL,
                    codeVerifier TEXT NOT NULL,
                    returnTo TEXT NOT NULL,
                    expiresAt DATETIME NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX pendingLogin_by_expiry ON pendingLogin (expiresAt)")
        }
        return migrator
    }

    /// SQLite's rebuild for a change ALTER TABLE cannot make (https://sqlite.org/lang_altertable.html,
    /// "Making Other Kinds Of Table Schema Changes"): the table again from its own CREATE text as
    /// `edit` changes it, its rows copied, and its indexes and triggers made again from theirs.
    /// Foreign keys are off while a migration runs and checked before it commits; the rename is the
    /// legacy one, which does not re-read triggers of other tables that name the dropped table.
    private static func rebuild(_ db: Database, table: String, edit: (String) -> String) throws {
        let create = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])!
        // Copying rows would reset an AUTOINCREMENT table's high-water mark in sqlite_sequence.
        guard !create.uppercased().contains("AUTOINCREMENT") else { throw DatabaseError(message: "\(table) uses AUTOINCREMENT; rebuild it by hand") }
        let dependents = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
            arguments: [table]
        )
        let rebuilt = "\(table)_rebuilt"
        let body = create[create.firstIndex(of: "(")!...]
        try db.execute(sql: "CREATE TABLE \(rebuilt) \(edit(String(body)))")
        try db.execute(sql: "INSERT INTO \(rebuilt) SELECT * FROM \(table)")
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "PRAGMA legacy_alter_table = ON")
        defer { try? db.execute(sql: "PRAGMA legacy_alter_table = OFF") }
        try db.execute(sql: "ALTER TABLE \(rebuilt) RENAME TO \(table)")
        for sql in dependents { try db.execute(sql: edit(sql)) }
    }

    /// `column IN ('a', 'b', ...)` written as `(column = 'a' OR column = 'b' OR ...)`.
    static func orChains(_ sql: String) -> String {
        // Every new database runs this over every statement of its schema, and a regex built and run on
        // each was nine tenths of migrating one; most statements hold no list at all.
        guard sql.contains(" IN (") else { return sql }
        let list = /("?\w+"?) IN \(('[^']*'(?:, '[^']*')*)\)/
        return sql.replacing(list) { match in
            let column = match.output.1
            let values = match.output.2.split(separator: ", ")
            return "(" + values.map { "\(column) = \($0)" }.joined(separator: " OR ") + ")"
        }
    }
}
