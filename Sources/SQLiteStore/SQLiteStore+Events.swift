import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: EventStore {
    public func events(_ query: EventQuery) async throws -> [OutboxEvent] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.logIdx, e.type, e.time, e.bankOrg, e.consentId, e.status, c.externalReference
                    FROM event e LEFT JOIN consent c ON c.id = e.consentId
                    WHERE e.bankOrg = ? AND e.logIdx > ? ORDER BY e.logIdx LIMIT ?
                    """,
                arguments: [query.bank.digits, query.after.map { Int64($0.logIndex) } ?? -1, max(0, query.limit)]
            ).map(Self.event)
        }
    }

    static func event(_ row: Row) throws -> OutboxEvent {
        let index: Int64 = row["logIdx"]
        guard let type = AuditEntry.EntryType(rawValue: row["type"]), let status = ConsentStatus(rawValue: row["status"]) else {
            throw StoreFailure.corrupt("event \(index) has an unknown type or status")
        }
        return OutboxEvent(
            id: EventID(logIndex: UInt64(index)), type: type, timestamp: row["time"], bankOrg: try OrgNumber(row["bankOrg"] as String),
            consentId: try ConsentID(row["consentId"] as String), status: status,
            externalReference: try (row["externalReference"] as String?).map { try ExternalReference($0) }
        )
    }
}
