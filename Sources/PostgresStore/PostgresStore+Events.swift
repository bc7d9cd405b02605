import Foundation
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: EventStore
extension PostgresStore {
    public func events(_ query: EventQuery) async throws -> [OutboxEvent] {
        let after = query.after.map { Int64($0.logIndex) } ?? -1
        return try await mapErrors("read events") {
            let rows = try await client.query(
                """
                SELECT e.logIdx, e.type, e.time, e.bankOrg, e.consentId, e.status, c.externalReference
                FROM event e LEFT JOIN consent c ON c.id = e.consentId
                WHERE e.bankOrg = \(query.bank.digits) AND e.logIdx > \(after) ORDER BY e.logIdx LIMIT \(max(0, query.limit))
                """,
                logger: logger
            ).collect()
            // Rows collected, then decoded: the release compiler crashes splitting a coroutine that
            // iterates a decoding row sequence (Swift 6.3).
            return try rows.map { row in
                let (index, type, time, bank, consent, status, reference) = try row.decode((Int64, String, Date, String, String, String, String?).self)
                return try Self.event(index: index, type: type, time: time, bank: bank, consent: consent, status: status, externalReference: reference)
            }
        }
    }

    static func event(index: Int64, type: String, time: Date, bank: String, consent: String, status: String, externalReference: String?) throws -> OutboxEvent {
        guard let type = AuditEntry.EntryType(rawValue: type), let status = ConsentStatus(rawValue: status) else {
            throw StoreFailure.corrupt("event \(index) has an unknown type or status")
        }
        return OutboxEvent(
            id: EventID(logIndex: UInt64(index)), type: type, timestamp: time, bankOrg: try OrgNumber(bank),
            consentId: try ConsentID(consent), status: status, externalReference: try externalReference.map { try ExternalReference($0) }
        )
    }
}
