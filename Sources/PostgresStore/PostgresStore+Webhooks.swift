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
                INSERT INTO webhook (id, bankOrg, url, sealedSecret, createdAt, status, eventTypes, previousSealedSecret, previousSecretUntil)
                VALUES (\(webhook.id), \(webhook.bankOrg.digits), \(webhook.url), \(ByteBuffer(bytes: webhook.sealedSecret)),
                    \(webhook.createdAt), \(webhook.status.rawValue), \(Webhook.column(webhook.eventTypes)),
                    \(webhook.previousSecret.map { ByteBuffer(bytes: $0.sealed) }), \(webhook.previousSecret?.until))
                """,
                logger: logger
            )
        }
    }

    public func webhooks(of bank: OrgNumber) async throws -> [Webhook] {
        try await mapErrors("list a bank's webhooks") {
            let rows = try await client.query(
                "SELECT \(unescaped: Self.webhookColumns) FROM webhook WHERE bankOrg = \(bank.digits) ORDER BY createdAt, id",
                logger: logger
            ).collect()
            // Collected, then decoded (see `events(_:)`).
            return try rows.map { try Self.webhook($0, of: bank) }
        }
    }

    static let webhookColumns = "id, url, sealedSecret, createdAt, status, eventTypes, previousSealedSecret, previousSecretUntil"

    /// A webhook from its columns (`webhookColumns`), the first of `row`'s.
    static func webhook(_ row: PostgresRow, of bank: OrgNumber) throws -> Webhook {
        let cells = row.makeRandomAccess()
        let id = try cells[0].decode(String.self)
        guard let status = Webhook.Status(rawValue: try cells[4].decode(String.self)) else { throw StoreFailure.corrupt("webhook \(id) has an unknown status") }
        let previous = try cells[6].decode(ByteBuffer?.self).map { Webhook.PreviousSecret(sealed: Array($0.readableBytesView), until: try cells[7].decode(Date.self)) }
        return Webhook(
            id: id, bankOrg: bank, url: try cells[1].decode(String.self), sealedSecret: Array(try cells[2].decode(ByteBuffer.self).readableBytesView),
            createdAt: try cells[3].decode(Date.self), status: status, eventTypes: try Webhook.eventTypes(column: try cells[5].decode(String.self)),
            previousSecret: previous
        )
    }

    public func setEventTypes(_ types: Set<AuditEntry.EntryType>, webhook id: String, of bank: OrgNumber) async throws -> Webhook? {
        try await mapErrors("filter a webhook's event types") {
            let rows = try await client.query(
                """
                UPDATE webhook SET eventTypes = \(Webhook.column(types)) WHERE id = \(id) AND bankOrg = \(bank.digits)
                RETURNING \(unescaped: Self.webhookColumns)
                """,
                logger: logger
            ).collect()
            return try rows.first.map { try Self.webhook($0, of: bank) }
        }
    }

    public func rotateSecret(webhook id: String, of bank: OrgNumber, to sealedSecret: [UInt8], previousUntil: Date) async throws -> Bool {
        try await mapErrors("rotate a webhook's secret") {
            // One statement: instances rotating at once each move the secret then current to previous, in turn.
            let rotated = try await client.query(
                """
                UPDATE webhook SET previousSealedSecret = sealedSecret, previousSecretUntil = \(previousUntil),
                    sealedSecret = \(ByteBuffer(bytes: sealedSecret))
                WHERE id = \(id) AND bankOrg = \(bank.digits) RETURNING id
                """,
                logger: logger
            ).collect()
            return !rotated.isEmpty
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
