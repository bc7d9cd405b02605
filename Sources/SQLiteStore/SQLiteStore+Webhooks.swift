import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: WebhookStore {
    public func addWebhook(_ webhook: Webhook) async throws {
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)", arguments: [webhook.bankOrg.digits])! else {
                throw StorageError.bankNotFound(webhook.bankOrg)
            }
            try db.execute(
                sql: """
                    INSERT INTO webhook (id, bankOrg, url, sealedSecret, createdAt, status, eventTypes, previousSealedSecret, previousSecretUntil)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    webhook.id, webhook.bankOrg.digits, webhook.url, Data(webhook.sealedSecret), webhook.createdAt, webhook.status.rawValue,
                    Webhook.column(webhook.eventTypes), webhook.previousSecret.map { Data($0.sealed) }, webhook.previousSecret?.until,
                ]
            )
        }
    }

    public func webhooks(of bank: OrgNumber) async throws -> [Webhook] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.webhookColumns) FROM webhook WHERE bankOrg = ? ORDER BY createdAt, id",
                arguments: [bank.digits]
            ).map { try Self.webhook($0, of: bank) }
        }
    }

    static let webhookColumns = "id, url, sealedSecret, createdAt, status, eventTypes, previousSealedSecret, previousSecretUntil"

    /// A webhook from its columns (`webhookColumns`, each name after `prefix`).
    static func webhook(_ row: Row, of bank: OrgNumber, prefix: String = "") throws -> Webhook {
        let id: String = row[prefix + "id"]
        guard let status = Webhook.Status(rawValue: row[prefix + "status"]) else {
            throw StoreFailure.corrupt("webhook \(id) has an unknown status")
        }
        return Webhook(
            id: id, bankOrg: bank, url: row[prefix + "url"], sealedSecret: Array(row[prefix + "sealedSecret"] as Data),
            createdAt: row[prefix + "createdAt"], status: status, eventTypes: try Webhook.eventTypes(column: row[prefix + "eventTypes"]),
            previousSecret: (row[prefix + "previousSealedSecret"] as Data?).map { .init(sealed: Array($0), until: row[prefix + "previousSecretUntil"]) }
        )
    }

    public func setEventTypes(_ types: Set<AuditEntry.EntryType>, webhook id: String, of bank: OrgNumber) async throws -> Webhook? {
        try await writer.write { db in
            try db.execute(sql: "UPDATE webhook SET eventTypes = ? WHERE id = ? AND bankOrg = ?", arguments: [Webhook.column(types), id, bank.digits])
            guard db.changesCount == 1 else { return nil }
            let row = try Row.fetchOne(db, sql: "SELECT \(Self.webhookColumns) FROM webhook WHERE id = ?", arguments: [id])!
            return try Self.webhook(row, of: bank)
        }
    }

    public func rotateSecret(webhook id: String, of bank: OrgNumber, to sealedSecret: [UInt8], previousUntil: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook SET previousSealedSecret = sealedSecret, previousSecretUntil = ?, sealedSecret = ?
                    WHERE id = ? AND bankOrg = ?
                    """,
                arguments: [previousUntil, Data(sealedSecret), id, bank.digits]
            )
            return db.changesCount == 1
        }
    }

    public func removeWebhook(id: String, of bank: OrgNumber) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM webhook WHERE id = ? AND bankOrg = ?", arguments: [id, bank.digits])
            return db.changesCount == 1
        }
    }
}
