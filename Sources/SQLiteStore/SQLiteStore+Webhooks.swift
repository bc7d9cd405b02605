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
                sql: "INSERT INTO webhook (id, bankOrg, url, sealedSecret, createdAt, status) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [webhook.id, webhook.bankOrg.digits, webhook.url, Data(webhook.sealedSecret), webhook.createdAt, webhook.status.rawValue]
            )
        }
    }

    public func webhooks(of bank: OrgNumber) async throws -> [Webhook] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, url, sealedSecret, createdAt, status FROM webhook WHERE bankOrg = ? ORDER BY createdAt, id",
                arguments: [bank.digits]
            ).map { row in
                guard let status = Webhook.Status(rawValue: row["status"]) else {
                    throw StoreFailure.corrupt("webhook \(row["id"] as String) has an unknown status")
                }
                return Webhook(
                    id: row["id"], bankOrg: bank, url: row["url"], sealedSecret: Array(row["sealedSecret"] as Data),
                    createdAt: row["createdAt"], status: status
                )
            }
        }
    }

    public func removeWebhook(id: String, of bank: OrgNumber) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM webhook WHERE id = ? AND bankOrg = ?", arguments: [id, bank.digits])
            return db.changesCount == 1
        }
    }
}
