import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: WebhookStore
extension PostgresStore {
    public func addWebhook(_ webhook: Webhook) async throws {
        try await transaction("register a webhook") { connection in
            let bank = try await connection.query("SELECT org FROM bank WHERE org = \(webhook.bankOrg.digits) FOR SHARE", logger: logger).collect()
            guard !bank.isEmpty else { throw StorageError.bankNotFound(webhook.bankOrg) }
            try await connection.query(
                """
                INSERT INTO webhook (id, bankOrg, url, sealedSecret, createdAt, status)
                VALUES (\(webhook.id), \(webhook.bankOrg.digits), \(webhook.url), \(ByteBuffer(bytes: webhook.sealedSecret)),
                    \(webhook.createdAt), \(webhook.status.rawValue))
                """,
                logger: logger
            )
        }
    }

    public func webhooks(of bank: OrgNumber) async throws -> [Webhook] {
        try await mapErrors("list a bank's webhooks") {
            let rows = try await client.query(
                "SELECT id, url, sealedSecret, createdAt, status FROM webhook WHERE bankOrg = \(bank.digits) ORDER BY createdAt, id",
                logger: logger
            ).collect()
            // Collected, then decoded (see `events(_:)`).
            return try rows.map { row in
                let (id, url, secret, createdAt, status) = try row.decode((String, String, ByteBuffer, Date, String).self)
                guard let status = Webhook.Status(rawValue: status) else { throw StoreFailure.corrupt("webhook \(id) has an unknown status") }
                return Webhook(id: id, bankOrg: bank, url: url, sealedSecret: Array(secret.readableBytesView), createdAt: createdAt, status: status)
            }
        }
    }

    public func removeWebhook(id: String, of bank: OrgNumber) async throws -> Bool {
        try await mapErrors("remove a webhook") {
            let removed = try await client.query(
                "DELETE FROM webhook WHERE id = \(id) AND bankOrg = \(bank.digits) RETURNING id", logger: logger
            ).collect()
            return !removed.isEmpty
        }
    }
}
