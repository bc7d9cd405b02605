import Logging
import PostgresNIO
import SamtykkeStore

/// The schema, one migration per shipped change, applied in order and recorded in
/// `schemaMigration`. A shipped migration is never edited; changes come as new ones. Migrations speak
/// SQL only, never app types, so they keep meaning what they meant.
///
/// Identifiers are unquoted, so PostgreSQL folds them to lower case (`auditEntry` is `auditentry`
/// in the catalog); every statement here and in the store spells them the same way.
enum Migrations {
    struct Migration {
        let version: Int
        let statements: [String]
    }

    /// Any constant will do, as long as every broker uses the same one: instances starting together
    /// wait for each other here instead of racing to create the same tables.
    static let advisoryLockKey: Int64 = 0x73616D_74796B6B  // "samtykk"

    static let all: [Migration] = [
        Migration(version: 1, statements: partiesAndConsents + log + appendOnly + idempotency),
        Migration(version: 2, statements: eventOutbox + webhooks),
        // A revoke, withdrawal or expiry deletes the consent's bundle records in its own commit.
        Migration(version: 3, statements: ["CREATE INDEX idempotencyKey_bundles_by_consent ON idempotencyKey (consentId) WHERE resultKind = 'bundle'"]),
        Migration(version: 4, statements: deliveries),
        Migration(version: 5, statements: retention),
        // The bank's own id for the application: optional, so existing rows have none.
        Migration(version: 6, statements: [
            "ALTER TABLE consent ADD COLUMN externalReference text CHECK (externalReference IS NULL OR length(externalReference) BETWEEN 1 AND 64)",
            "CREATE INDEX consent_by_external_reference ON consent (bankOrg, externalReference) WHERE externalReference IS NOT NULL",
        ]),
        Migration(version: 7, statements: bankPublicKeys),
        Migration(version: 8, statements: publicEntries),
        Migration(version: 9, statements: citizenWayIn),
    ]

    /// SPEC §2b: consents' redirect URLs, banks' registered redirect URIs, citizens' sessions (by the
    /// SHA-256 of their token: a copy of the database holds no live session) and OpenID Connect
    /// logins under way (by the SHA-256 of their state, each taken once), shared by every instance.
    private static let citizenWayIn = [
        "ALTER TABLE consent ADD COLUMN redirectUrl text CHECK (redirectUrl IS NULL OR length(redirectUrl) BETWEEN 1 AND 2048)",
        """
        CREATE TABLE bankRedirectURI (
            bankOrg text NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
            uri text NOT NULL CHECK (length(uri) BETWEEN 1 AND 2048),
            createdAt timestamptz NOT NULL,
            PRIMARY KEY (bankOrg, uri)
        )
        """,
        """
        CREATE TABLE citizenSession (
            idHash bytea PRIMARY KEY CHECK (length(idHash) = 32),
            personId text NOT NULL,
            csrfToken text NOT NULL,
            createdAt timestamptz NOT NULL,
            expiresAt timestamptz NOT NULL
        )
        """,
        "CREATE INDEX citizenSession_by_expiry ON citizenSession (expiresAt)",
        """
        CREATE TABLE pendingLogin (
            stateHash bytea PRIMARY KEY CHECK (length(stateHash) = 32),
            nonce text NOT NULL,
            codeVerifier text NOT NULL,
            returnTo text NOT NULL,
            expiresAt timestamptz NOT NULL
        )
        """,
        "CREATE INDEX pendingLogin_by_expiry ON pendingLogin (expiresAt)",
    ]

    private static let publicEntries = [
        // v2 entries name nobody (SPEC §4): their rows leave the party columns empty, which only v1
        // rows fill. Filters and forgetting find v2 entries' parties in their openings.
        "ALTER TABLE auditEntry ALTER COLUMN consentId DROP NOT NULL, ALTER COLUMN personId DROP NOT NULL, ALTER COLUMN bankOrg DROP NOT NULL",
        // Each consent's public tag, drawn when it is requested (none for one requested before v2).
        "CREATE TABLE consentTag (consentId text PRIMARY KEY, tag bytea NOT NULL UNIQUE CHECK (length(tag) = 16))",
        // Each person's subject key, drawn at their first v2 entry; forgetting the person deletes it.
        "CREATE TABLE subjectKey (personId text PRIMARY KEY, key bytea NOT NULL CHECK (length(key) = 32))",
        // Each v2 entry's opening (salt and canonical private part), with the parties it names to
        // filter and forget by (none on consent.forgotten). Deleting a row is how retention forgets;
        // the entry it opened stays.
        """
        CREATE TABLE entryOpening (
            idx bigint PRIMARY KEY,
            type text NOT NULL,
            consentId text,
            personId text,
            bankOrg text,
            salt bytea NOT NULL CHECK (length(salt) = 32),
            private bytea NOT NULL
        )
        """,
        "CREATE INDEX entryOpening_by_consent ON entryOpening (consentId, idx) WHERE consentId IS NOT NULL",
        "CREATE INDEX entryOpening_by_person ON entryOpening (personId, idx) WHERE personId IS NOT NULL",
        "CREATE INDEX entryOpening_by_bank ON entryOpening (bankOrg, idx) WHERE bankOrg IS NOT NULL",
        // Who each entry is about, whichever version: v1 rows name their parties, v2 ones through their openings.
        """
        CREATE VIEW entryParty AS
        SELECT idx, consentId, personId, bankOrg FROM auditEntry WHERE consentId IS NOT NULL
        UNION ALL SELECT idx, consentId, personId, bankOrg FROM entryOpening WHERE consentId IS NOT NULL
        """,
    ]

    private static let bankPublicKeys = [
        // Banks' public keys for /v1/token, each named by its kid within the bank (SPEC §2c).
        """
        CREATE TABLE bankPublicKey (
            bankOrg text NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
            kid text NOT NULL CHECK (length(kid) > 0),
            jwk text NOT NULL,
            createdAt timestamptz NOT NULL,
            PRIMARY KEY (bankOrg, kid)
        )
        """,
        // Grant assertions' and DPoP proofs' jtis, until the credential carrying them expires: the
        // primary key is what refuses a replay on another instance.
        """
        CREATE TABLE usedOnce (
            namespace text NOT NULL,
            value text NOT NULL,
            expiresAt timestamptz NOT NULL,
            PRIMARY KEY (namespace, value)
        )
        """,
        "CREATE INDEX usedOnce_by_expiry ON usedOnce (expiresAt)",
    ]

    private static let retention = [
        // What retention leaves of a consent in the live tables: its bank, how and when it ended, and
        // when it was forgotten; nothing of the person (the log keeps the history).
        """
        CREATE TABLE forgottenConsent (
            id text PRIMARY KEY,
            bankOrg text NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
            status text NOT NULL CHECK (status IN ('denied', 'revoked', 'withdrawn', 'expired', 'exhausted')),
            createdAt timestamptz NOT NULL,
            endedAt timestamptz NOT NULL,
            forgottenAt timestamptz NOT NULL
        )
        """,
        // The sweep asks for terminal consents that ended before a moment, longest ended first.
        """
        CREATE INDEX consent_ended ON consent (statusChangedAt, id)
        WHERE status IN ('denied', 'revoked', 'withdrawn', 'expired', 'exhausted')
        """,
        // It deletes a consent's idempotency records (bundle ones have an index since version 3) and
        // its events, whose deliveries and attempts cascade: each child found by its parent's key.
        "CREATE INDEX idempotencyKey_consents_by_consent ON idempotencyKey (consentId) WHERE resultKind = 'consent'",
        "CREATE INDEX delivery_by_event ON delivery (logIdx)",
        "CREATE INDEX deliveryAttempt_by_delivery ON deliveryAttempt (webhookId, logIdx)",
    ]

    private static let deliveries = [
        "ALTER TABLE webhook ADD COLUMN failuresInARow integer NOT NULL DEFAULT 0",
        // One row per event and endpoint: the sender's queue, and what `webhook log` and replay read.
        """
        CREATE TABLE delivery (
            webhookId text NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
            logIdx bigint NOT NULL REFERENCES event (logIdx) ON DELETE CASCADE,
            consentId text NOT NULL,
            state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
            attempts integer NOT NULL DEFAULT 0,
            nextAttemptAt timestamptz NOT NULL,
            leaseUntil timestamptz,
            lease text,
            PRIMARY KEY (webhookId, logIdx)
        )
        """,
        "CREATE INDEX delivery_due ON delivery (nextAttemptAt) WHERE state = 'pending'",
        "CREATE INDEX delivery_open_by_consent ON delivery (webhookId, consentId, logIdx) WHERE state = 'pending'",
        """
        CREATE TABLE deliveryAttempt (
            id bigserial PRIMARY KEY,
            webhookId text NOT NULL,
            logIdx bigint NOT NULL,
            attempt integer NOT NULL,
            at timestamptz NOT NULL,
            milliseconds integer NOT NULL,
            status integer,
            error text,
            FOREIGN KEY (webhookId, logIdx) REFERENCES delivery (webhookId, logIdx) ON DELETE CASCADE,
            CHECK ((status IS NULL) <> (error IS NULL))
        )
        """,
        "CREATE INDEX deliveryAttempt_by_webhook ON deliveryAttempt (webhookId, id)",
        // The outbox fans out inside the commit that writes the event, so no event is lost between
        // the commit and the sender, and a commit without webhooks pays nothing.
        """
        CREATE FUNCTION samtykke_event_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO delivery (webhookId, logIdx, consentId, state, attempts, nextAttemptAt)
            SELECT id, NEW.logIdx, NEW.consentId, 'pending', 0, NEW.time FROM webhook
            WHERE bankOrg = NEW.bankOrg AND status <> 'disabled';
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER event_fan_out AFTER INSERT ON event FOR EACH ROW EXECUTE FUNCTION samtykke_event_fan_out()",
    ]

    private static let webhooks = [
        // A bank's endpoints; the signing secret only sealed, under a key the database never holds.
        """
        CREATE TABLE webhook (
            id text PRIMARY KEY,
            bankOrg text NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
            url text NOT NULL,
            sealedSecret bytea NOT NULL,
            createdAt timestamptz NOT NULL,
            status text NOT NULL CHECK (status IN ('active', 'failing', 'disabled'))
        )
        """,
        "CREATE INDEX webhook_by_bank ON webhook (bankOrg, createdAt)",
    ]

    private static let eventOutbox = [
        // The outbox: one row per entry a bank hears of (every entry but `bundle.refused`), written by
        // the commit that writes the entry. `logIdx` orders the feed; `id` is `evt_` + `logIdx`.
        """
        CREATE TABLE event (
            logIdx bigint PRIMARY KEY,
            id text NOT NULL UNIQUE CHECK (id = 'evt_' || logIdx),
            type text NOT NULL,
            time timestamptz NOT NULL,
            bankOrg text NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
            consentId text NOT NULL,
            status text NOT NULL
                CHECK (status IN ('pending', 'active', 'denied', 'revoked', 'withdrawn', 'expired', 'exhausted'))
        )
        """,
        "CREATE INDEX event_by_bank ON event (bankOrg, logIdx)",
        // Entries logged before the outbox existed get their events too, so the feed starts at the beginning.
        """
        INSERT INTO event (logIdx, id, type, time, bankOrg, consentId, status)
        SELECT idx, 'evt_' || idx, type, time, bankOrg, consentId,
            CASE type WHEN 'consent.requested' THEN 'pending' WHEN 'bundle.issued' THEN 'active'
                ELSE convert_from(leaf, 'UTF8')::jsonb -> 'details' ->> 'to' END
        FROM auditEntry WHERE type <> 'bundle.refused' ORDER BY idx
        """,
    ]

    private static let partiesAndConsents = [
        """
        CREATE TABLE bank (
            org text PRIMARY KEY CHECK (length(org) = 9),
            name text NOT NULL CHECK (length(name) > 0),
            createdAt timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE auditor (
            name text PRIMARY KEY CHECK (length(name) > 0),
            createdAt timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE apiKey (
            id text PRIMARY KEY,
            role text NOT NULL CHECK (role IN ('bank', 'auditor')),
            bankOrg text REFERENCES bank (org) ON DELETE RESTRICT,
            auditorName text REFERENCES auditor (name) ON DELETE RESTRICT,
            secretHash bytea NOT NULL CHECK (length(secretHash) = 32),
            createdAt timestamptz NOT NULL,
            revokedAt timestamptz,
            CHECK ((role = 'bank' AND bankOrg IS NOT NULL AND auditorName IS NULL)
                OR (role = 'auditor' AND auditorName IS NOT NULL AND bankOrg IS NULL))
        )
        """,
        "CREATE INDEX apiKey_by_bank ON apiKey (bankOrg, createdAt)",
        """
        CREATE TABLE consent (
            id text PRIMARY KEY,
            bankOrg text NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
            personId text NOT NULL,
            scopes text NOT NULL,
            years text NOT NULL,
            purposeCode text NOT NULL,
            purposeText text NOT NULL,
            validUntil timestamptz NOT NULL,
            maxUses integer NOT NULL CHECK (maxUses BETWEEN 1 AND 100),
            uses integer NOT NULL CHECK (uses >= 0 AND uses <= maxUses),
            status text NOT NULL
                CHECK (status IN ('pending', 'active', 'denied', 'revoked', 'withdrawn', 'expired', 'exhausted')),
            createdAt timestamptz NOT NULL,
            requestExpiresAt timestamptz NOT NULL,
            grantedAt timestamptz,
            statusChangedAt timestamptz NOT NULL
        )
        """,
        // The expiry sweep asks for open consents whose time passed: only those two statuses, each
        // with its own deadline, so one small partial index each.
        "CREATE INDEX consent_pending_by_expiry ON consent (requestExpiresAt) WHERE status = 'pending'",
        "CREATE INDEX consent_active_by_expiry ON consent (validUntil) WHERE status = 'active'",
        // Keyset paging of a bank's or a citizen's consents.
        "CREATE INDEX consent_by_bank ON consent (bankOrg, createdAt, id)",
        "CREATE INDEX consent_by_person ON consent (personId, createdAt, id)",
    ]

    private static let log = [
        // The consent log. `idx` is the leaf index; `leaf` the exact RFC 8785 bytes that were hashed.
        // The other columns repeat facts from the leaf so auditors can filter without parsing JSON.
        """
        CREATE TABLE auditEntry (
            idx bigint PRIMARY KEY CHECK (idx >= 0),
            leaf bytea NOT NULL,
            leafHash bytea NOT NULL CHECK (length(leafHash) = 32),
            type text NOT NULL,
            time timestamptz NOT NULL,
            consentId text NOT NULL,
            personId text NOT NULL,
            bankOrg text NOT NULL
        )
        """,
        "CREATE INDEX auditEntry_by_consent ON auditEntry (consentId, idx)",
        "CREATE INDEX auditEntry_by_person ON auditEntry (personId, idx)",
        "CREATE INDEX auditEntry_by_bank ON auditEntry (bankOrg, idx)",
        // Every complete (perfect) subtree of the Merkle tree, so roots and proofs cost O(log n) reads.
        """
        CREATE TABLE merkleNode (
            level integer NOT NULL CHECK (level >= 0 AND level < 64),
            idx bigint NOT NULL CHECK (idx >= 0),
            hash bytea NOT NULL CHECK (length(hash) = 32),
            PRIMARY KEY (level, idx)
        )
        """,
        // Every signed checkpoint; the one for the head's size is in force.
        """
        CREATE TABLE checkpoint (
            size bigint PRIMARY KEY CHECK (size > 0),
            rootHash bytea NOT NULL CHECK (length(rootHash) = 32),
            signedNote text NOT NULL,
            createdAt timestamptz NOT NULL
        )
        """,
        // The log's head in one row. Every commit takes it FOR UPDATE first, which serialises the
        // log's writers across broker instances: indexes stay dense and there is one tree.
        """
        CREATE TABLE logHead (
            id integer PRIMARY KEY CHECK (id = 1),
            size bigint NOT NULL CHECK (size >= 0)
        )
        """,
        "INSERT INTO logHead (id, size) VALUES (1, 0)",
    ]

    /// Nothing in the product updates or deletes log rows; the database refuses it too, whoever asks.
    /// `INSERT … ON CONFLICT DO UPDATE` fires the UPDATE trigger, so it is refused as well.
    private static let appendOnly = [
        """
        CREATE FUNCTION samtykke_refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the consent log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END
        $$
        """,
    ] + ["auditEntry", "merkleNode", "checkpoint"].flatMap { table in
        [
            "CREATE TRIGGER \(table)_no_change BEFORE UPDATE OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION samtykke_refuse_log_change()",
            "CREATE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse_log_change()",
        ]
    } + [
        // Dense indexes: an entry carries exactly the next index. Two writers that both computed the
        // same next index collide on the primary key; the head lock keeps that from happening at all.
        """
        CREATE FUNCTION samtykke_entry_next_index() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            expected bigint;
        BEGIN
            SELECT COALESCE(MAX(idx), -1) + 1 INTO expected FROM auditEntry;
            IF NEW.idx <> expected THEN
                RAISE EXCEPTION 'the consent log is append-only: entry % is not the next index %', NEW.idx, expected
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END
        $$
        """,
        "CREATE TRIGGER auditEntry_next_index BEFORE INSERT ON auditEntry FOR EACH ROW EXECUTE FUNCTION samtykke_entry_next_index()",
        """
        CREATE FUNCTION samtykke_log_head_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.id <> OLD.id OR NEW.size < OLD.size THEN
                RAISE EXCEPTION 'the consent log is append-only: its head cannot shrink from % to %', OLD.size, NEW.size
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END
        $$
        """,
        "CREATE TRIGGER logHead_only_grows BEFORE UPDATE ON logHead FOR EACH ROW EXECUTE FUNCTION samtykke_log_head_only_grows()",
        "CREATE TRIGGER logHead_no_delete BEFORE DELETE ON logHead FOR EACH ROW EXECUTE FUNCTION samtykke_refuse_log_change()",
        "CREATE TRIGGER logHead_no_truncate BEFORE TRUNCATE ON logHead FOR EACH STATEMENT EXECUTE FUNCTION samtykke_refuse_log_change()",
    ]

    private static let idempotency = [
        // One row per bank and Idempotency-Key: the request it was first used with (as a digest), the
        // token of the claim on it, and once done the domain result a retry gets again.
        """
        CREATE TABLE idempotencyKey (
            bankOrg text NOT NULL REFERENCES bank (org) ON DELETE RESTRICT,
            key text NOT NULL,
            requestHash bytea NOT NULL,
            state text NOT NULL CHECK (state IN ('pending', 'done')),
            token text NOT NULL,
            resultKind text CHECK (resultKind IN ('consent', 'bundle')),
            consentId text,
            sealedBundle bytea,
            logIndex bigint,
            createdAt timestamptz NOT NULL,
            completedAt timestamptz,
            PRIMARY KEY (bankOrg, key),
            CHECK ((state = 'pending' AND resultKind IS NULL AND completedAt IS NULL)
                OR (state = 'done' AND completedAt IS NOT NULL AND consentId IS NOT NULL
                    AND (resultKind = 'consent'
                        OR (resultKind = 'bundle' AND sealedBundle IS NOT NULL AND logIndex IS NOT NULL))))
        )
        """,
        "CREATE INDEX idempotencyKey_by_age ON idempotencyKey (createdAt)",
    ]

    /// Applies every migration not yet recorded, in one transaction under an advisory lock, so two
    /// instances starting together apply each exactly once. Returns the versions applied. A schema
    /// that has the broker's tables but records none of their migrations (a restore that left out
    /// `schemaMigration`) is refused: which migrations its tables reflect cannot be told, and running
    /// the first again would fail the same way at every start.
    @discardableResult
    static func migrate(_ client: PostgresClient, database: String, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(advisoryLockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schemaMigration (version integer PRIMARY KEY, appliedAt timestamptz NOT NULL DEFAULT now())",
                logger: logger
            )
            var applied: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM schemaMigration", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            if applied.isEmpty, try await connection.query("SELECT to_regclass('logHead') IS NOT NULL", logger: logger).decode(Bool.self).onlyRow() == true {
                throw StoreFailure(
                    .schema,
                    "database \(database) has the broker's tables but schemaMigration records no migration of them (restored without it?): "
                        + "restore schemaMigration with the rest of the schema, or start from an empty database"
                )
            }
            var done: [Int] = []
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schemaMigration (version) VALUES (\(migration.version))", logger: logger)
                logger.info("applied database migration", metadata: ["version": "\(migration.version)"])
                done.append(migration.version)
            }
            return done
        }
    }
}
