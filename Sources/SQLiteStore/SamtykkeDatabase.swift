import CanonicalJSON
import Foundation
import GRDB
import SamtykkeCore
import TransparencyLog

/// The broker's data-access layer: every method is one invariant-preserving transaction.
///
/// State changes and the log entries that record them commit together (SPEC §1), with a freshly signed
/// checkpoint, and SQLite runs with `synchronous = FULL` in WAL mode so a committed transaction is on
/// disk before any method returns, and so before any HTTP answer leaves.
public final class SamtykkeDatabase: Sendable {
    let writer: any DatabaseWriter
    public let log: ConsentLog

    /// Opens (creating if needed) the database file at `path` and migrates it.
    public init(path: String, log: ConsentLog) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // FULL: in WAL mode NORMAL may lose the last commits on power loss; we promise they survive.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.writer = try DatabasePool(path: path, configuration: configuration)
        self.log = log
        try Migrations.migrator.migrate(writer)
    }

    // MARK: Banks, auditors and their keys

    /// Registers a bank and issues its first API key.
    public func addBank(org: OrgNumber, name: String, now: Date) throws -> APIKey {
        let name = String(name.trimmingWhitespace)
        guard !name.isEmpty else { throw StorageError.refused(.invalid("name", "must not be blank")) }
        return try writer.write { db in
            guard try !Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [org.digits])! else {
                throw StorageError.bankExists(org)
            }
            try db.execute(sql: "INSERT INTO bank (org, name, createdAt) VALUES (?, ?, ?)", arguments: [org.digits, name, now])
            return try Self.insertKey(db, role: .bank, bankOrg: org.digits, auditorName: nil, now: now)
        }
    }

    /// Issues another key for a registered bank (rotation: the old one keeps working until revoked).
    public func addBankKey(org: OrgNumber, now: Date) throws -> APIKey {
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [org.digits])! else {
                throw StorageError.bankNotFound(org)
            }
            return try Self.insertKey(db, role: .bank, bankOrg: org.digits, auditorName: nil, now: now)
        }
    }

    /// Revokes one key by its public id (the part between `_` and `.`); it stops working at once.
    /// Returns false when no live key has that id.
    public func revokeKey(id: String, now: Date) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE apiKey SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL", arguments: [now, id])
            return db.changesCount == 1
        }
    }

    /// The live keys of a bank: ids and when they were issued, never secrets (none are stored).
    public func bankKeys(org: OrgNumber) throws -> [(id: String, createdAt: Date)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, createdAt FROM apiKey WHERE bankOrg = ? AND revokedAt IS NULL ORDER BY createdAt", arguments: [org.digits])
                .map { ($0["id"], $0["createdAt"]) }
        }
    }

    /// Registers a read-only auditor and issues its key.
    public func addAuditor(name: String, now: Date) throws -> APIKey {
        let name = String(name.trimmingWhitespace)
        guard !name.isEmpty else { throw StorageError.refused(.invalid("name", "must not be blank")) }
        return try writer.write { db in
            guard try !Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM auditor WHERE name = ?)", arguments: [name])! else {
                throw StorageError.auditorExists(name)
            }
            try db.execute(sql: "INSERT INTO auditor (name, createdAt) VALUES (?, ?)", arguments: [name, now])
            return try Self.insertKey(db, role: .auditor, bankOrg: nil, auditorName: name, now: now)
        }
    }

    private static func insertKey(_ db: Database, role: APIKey.Role, bankOrg: String?, auditorName: String?, now: Date) throws -> APIKey {
        let key = APIKey.generate(role: role)
        try db.execute(
            sql: "INSERT INTO apiKey (id, role, bankOrg, auditorName, secretHash, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [key.keyID, role.rawValue, bankOrg, auditorName, Data(key.secretHash), now]
        )
        return key
    }

    /// The party a presented key belongs to, or nil for an unknown, malformed or revoked key.
    public func authenticate(_ presented: String) async throws -> Principal? {
        guard let key = APIKey(parsing: presented) else { return nil }
        return try await writer.read { db -> Principal? in
            guard let row = try Row.fetchOne(
                db,
                sql: "SELECT role, bankOrg, auditorName, secretHash FROM apiKey WHERE id = ? AND revokedAt IS NULL",
                arguments: [key.keyID]
            ) else { return nil }
            let stored: Data = row["secretHash"]
            guard key.matches(storedHash: Array(stored)), row["role"] as String == key.role.rawValue else { return nil }
            switch key.role {
            case .bank: return .bank(try OrgNumber(row["bankOrg"] as String))
            case .auditor: return .auditor(name: row["auditorName"])
            }
        }
    }

    // MARK: Consents

    /// Stores a new request and its `consent.requested` entry.
    public func createConsent(_ consent: Consent) async throws -> Consent {
        try await writer.write { [log] db in
            try Self.insert(db, consent, log: log)
            return consent
        }
    }

    /// Stores a new request under an `Idempotency-Key`: the first request with the key creates the
    /// consent and stores `answer`; a retry with the same request gets that answer again and creates
    /// nothing; the key with a different request is refused.
    public func createConsent(
        _ consent: Consent,
        idempotency: IdempotencyKey,
        answer: @escaping @Sendable (Consent) throws -> StoredAnswer
    ) async throws -> StoredAnswer {
        try await writer.write { [log] db in
            switch try idempotency.claim(db, now: consent.createdAt) {
            case .replay(let stored): return stored
            case .inProgress: throw StorageError.idempotencyInProgress
            case .mismatch: throw StorageError.idempotencyMismatch
            case .proceed: break
            }
            try Self.insert(db, consent, log: log)
            let stored = try answer(consent)
            try idempotency.complete(db, with: stored)
            return stored
        }
    }

    private static func insert(_ db: Database, _ consent: Consent, log: ConsentLog) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [consent.bankOrg.digits])! else {
            throw StorageError.bankNotFound(consent.bankOrg)
        }
        try ConsentRecord(consent).insert(db)
        let terms = consent.terms
        try log.append(db, .consentRequested, by: .bank(consent.bankOrg), about: consent, details: [
            "scopes": .array(terms.scopes.map { .string($0.rawValue) }),
            "years": .array(terms.years.map { .number(Double($0)) }),
            "purpose": .object(["code": .string(terms.purpose.code), "text": .string(terms.purpose.text)]),
            "validUntil": .string(RFC3339.string(from: terms.validUntil)),
            "maxUses": .number(Double(terms.maxUses)),
            "requestExpiresAt": .string(RFC3339.string(from: consent.requestExpiresAt)),
        ], at: consent.createdAt)
        try log.checkpoint(db, at: consent.createdAt)
    }

    /// Whose consents a query may see.
    public enum Viewer: Sendable, Hashable {
        case bank(OrgNumber)
        case citizen(PersonID)

        var filter: (column: Column, value: String) {
            switch self {
            case .bank(let org): (ConsentRecord.Columns.bankOrg, org.digits)
            case .citizen(let person): (ConsentRecord.Columns.personId, person.digits)
            }
        }
    }

    /// One consent as `viewer` may see it; anyone else's is `consentNotFound`, like a missing one.
    public func consent(_ id: ConsentID, for viewer: Viewer) async throws -> Consent {
        try await writer.read { db in try Self.fetch(db, id, for: viewer) }
    }

    /// Every consent `viewer` may see, newest first.
    public func consents(for viewer: Viewer) async throws -> [Consent] {
        try await writer.read { db in
            try ConsentRecord.filter(viewer.filter.column == viewer.filter.value)
                .order(ConsentRecord.Columns.createdAt.desc, ConsentRecord.Columns.id)
                .fetchAll(db)
                .map { try $0.consent() }
        }
    }

    private static func fetch(_ db: Database, _ id: ConsentID, for viewer: Viewer) throws -> Consent {
        guard let record = try ConsentRecord
            .filter(ConsentRecord.Columns.id == id.description && viewer.filter.column == viewer.filter.value)
            .fetchOne(db)
        else { throw StorageError.consentNotFound }
        return try record.consent()
    }

    /// What a citizen can do to a consent that names them.
    public enum CitizenAction: String, Sendable, CaseIterable {
        case grant, deny, revoke
    }

    /// Applies the citizen's answer. Expiry that came due first is recorded (and committed) before the
    /// answer is refused, so the log shows when the consent really ended.
    public func answer(_ id: ConsentID, by person: PersonID, _ action: CitizenAction, now: Date) async throws -> Consent {
        let outcome: Result<Consent, StorageError> = try await writer.write { [log] db in
            var consent = try Self.fetch(db, id, for: .citizen(person))
            if try Self.settleExpiry(db, &consent, log: log, now: now) {
                try log.checkpoint(db, at: now)
            }
            let transition: ConsentTransition
            do throws(DomainError) {
                switch action {
                case .grant: transition = try consent.grant(by: person, at: now)
                case .deny: transition = try consent.deny(by: person, at: now)
                case .revoke: transition = try consent.revoke(by: person, at: now)
                }
            } catch {
                return .failure(.refused(error))
            }
            try Self.save(db, consent)
            try log.record(db, transition, by: .citizen(person), about: consent, at: now)
            try log.checkpoint(db, at: now)
            return .success(consent)
        }
        return try outcome.get()
    }

    private static func save(_ db: Database, _ consent: Consent) throws {
        try ConsentRecord(consent).update(db)
    }

    /// Records expiry that came due (the new state and its entry) before anything else happens to
    /// the consent, so the log shows when it really ended. Returns whether it expired.
    @discardableResult
    private static func settleExpiry(_ db: Database, _ consent: inout Consent, log: ConsentLog, now: Date) throws -> Bool {
        guard let expiry = consent.settle(at: now) else { return false }
        try save(db, consent)
        try log.record(db, expiry, by: .system, about: consent, at: now)
        return true
    }

    // MARK: Bundles

    /// What the first half of a bundle request decided.
    public enum BundleGate: Sendable {
        /// Go ahead: fetch and sign for this consent.
        case proceed(Consent)
        /// The same request under the same `Idempotency-Key` already got this answer.
        case replay(StoredAnswer)
    }

    /// The first half of issuing a bundle: settles the idempotency key, then checks the consent is
    /// usable now. When it is not, the refusal (and any expiry that came due) is logged and
    /// committed, the key is given back, and `refused` is thrown.
    public func checkBundleAllowed(_ id: ConsentID, for bank: OrgNumber, now: Date, idempotency: IdempotencyKey? = nil) async throws -> BundleGate {
        let outcome: Result<BundleGate, StorageError> = try await writer.write { [log] db in
            var consent = try Self.fetch(db, id, for: .bank(bank))
            switch try idempotency?.claim(db, now: now) ?? .proceed {
            case .replay(let stored): return .success(.replay(stored))
            case .inProgress: throw StorageError.idempotencyInProgress
            case .mismatch: throw StorageError.idempotencyMismatch
            case .proceed: break
            }
            try Self.settleExpiry(db, &consent, log: log, now: now)
            do throws(DomainError) {
                try consent.checkUsable(at: now)
            } catch {
                try idempotency?.release(db)
                try log.append(db, .bundleRefused, by: .bank(bank), about: consent, details: ["reason": .string(error.reason)], at: now)
                try log.checkpoint(db, at: now)
                return .failure(.refused(error))
            }
            // Nothing was appended on this path (an expiry that came due makes the check above fail),
            // so the checkpoint in force already covers the log.
            return .success(.proceed(consent))
        }
        return try outcome.get()
    }

    /// The second half: counts the use and logs `bundle.issued` with the bundle's digest, unless the
    /// consent stopped being usable while the data was fetched (a revoke won the race); then the
    /// bundle is refused and must be thrown away. Returns the receipt for the issued entry.
    public func recordBundleIssued(
        _ id: ConsentID,
        for bank: OrgNumber,
        details: [String: JSONValue],
        now: Date,
        idempotency: (key: IdempotencyKey, answer: @Sendable (AuditReceipt) throws -> StoredAnswer)? = nil
    ) async throws -> (consent: Consent, receipt: AuditReceipt) {
        let outcome: Result<(Consent, AuditReceipt), StorageError> = try await writer.write { [log] db in
            var consent = try Self.fetch(db, id, for: .bank(bank))
            try Self.settleExpiry(db, &consent, log: log, now: now)
            let exhausted: ConsentTransition?
            do throws(DomainError) {
                exhausted = try consent.recordUse(at: now)
            } catch {
                try idempotency?.key.release(db)
                try log.append(db, .bundleRefused, by: .bank(bank), about: consent, details: ["reason": .string(error.reason)], at: now)
                try log.checkpoint(db, at: now)
                return .failure(.refused(error))
            }
            try Self.save(db, consent)
            var issuedDetails = details
            issuedDetails["use"] = .number(Double(consent.uses))
            let entry = try log.append(db, .bundleIssued, by: .bank(bank), about: consent, details: issuedDetails, at: now)
            if let exhausted {
                try log.record(db, exhausted, by: .system, about: consent, at: now)
            }
            let note = try log.checkpoint(db, at: now)
            let receipt = try log.receipt(db, for: entry, checkpoint: note)
            if let idempotency { try idempotency.key.complete(db, with: try idempotency.answer(receipt)) }
            return .success((consent, receipt))
        }
        let (consent, receipt) = try outcome.get()
        return (consent, receipt)
    }

    /// Logs a bundle request that failed after the consent check (the agency failed or timed out).
    public func recordBundleRefused(_ id: ConsentID, for bank: OrgNumber, reason: String, now: Date, idempotency: IdempotencyKey? = nil) async throws {
        try await writer.write { [log] db in
            let consent = try Self.fetch(db, id, for: .bank(bank))
            try idempotency?.release(db)
            try log.append(db, .bundleRefused, by: .bank(bank), about: consent, details: ["reason": .string(reason)], at: now)
            try log.checkpoint(db, at: now)
        }
    }

    // MARK: Expiry

    /// Expires every pending request and active consent whose time has passed, each with its entry.
    /// Returns how many were expired.
    @discardableResult
    public func expireDue(now: Date) async throws -> Int {
        try await writer.write { [log] db in
            let due = try ConsentRecord
                .filter(
                    (ConsentRecord.Columns.status == "pending" && ConsentRecord.Columns.requestExpiresAt <= now)
                        || (ConsentRecord.Columns.status == "active" && ConsentRecord.Columns.validUntil <= now)
                )
                .order(ConsentRecord.Columns.id)
                .fetchAll(db)
            for record in due {
                var consent = try record.consent()
                try Self.settleExpiry(db, &consent, log: log, now: now)
            }
            if !due.isEmpty { try log.checkpoint(db, at: now) }
            return due.count
        }
    }

    // MARK: Reading the log

    /// Entries in index order, each as its exact leaf bytes.
    public func logEntries(start: UInt64, limit: Int, consentId: ConsentID? = nil, personId: PersonID? = nil, bankOrg: OrgNumber? = nil) async throws -> [(index: UInt64, leaf: [UInt8])] {
        try await writer.read { db in
            var sql = "SELECT idx, leaf FROM auditEntry WHERE idx >= ?"
            var arguments: StatementArguments = [Int64(start)]
            if let consentId { sql += " AND consentId = ?"; arguments += [consentId.description] }
            if let personId { sql += " AND personId = ?"; arguments += [personId.digits] }
            if let bankOrg { sql += " AND bankOrg = ?"; arguments += [bankOrg.digits] }
            sql += " ORDER BY idx LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                (UInt64(row["idx"] as Int64), Array(row["leaf"] as Data))
            }
        }
    }

    /// The newest signed checkpoint, signing one for the empty log if none exists yet.
    public func latestCheckpoint(now: Date) async throws -> String {
        if let note = try await writer.read({ db in
            try String.fetchOne(db, sql: "SELECT signedNote FROM checkpoint ORDER BY size DESC LIMIT 1")
        }) {
            return note
        }
        return try await writer.write { [log] db in try log.checkpoint(db, at: now) }
    }

    public func logSize() async throws -> UInt64 {
        try await writer.read { db in try ConsentLog.size(db) }
    }

    public func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] {
        try await writer.read { db in
            try MerkleTree.inclusionProof(index: index, size: treeSize, source: DatabaseSubtreeSource(db: db))
        }
    }

    public func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] {
        try await writer.read { db in
            try MerkleTree.consistencyProof(from: from, to: to, source: DatabaseSubtreeSource(db: db))
        }
    }

    /// Checks the database can answer a query: for `/readyz`.
    public func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}

extension SamtykkeDatabase {
    /// Registered banks' names, for texts shown to citizens.
    public func bankNames() async throws -> [OrgNumber: String] {
        try await writer.read { db in
            var names: [OrgNumber: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT org, name FROM bank") {
                if let org = try? OrgNumber(row["org"] as String) { names[org] = row["name"] }
            }
            return names
        }
    }
}
