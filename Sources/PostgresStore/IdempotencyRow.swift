import Foundation
import NIOCore
import PostgresNIO
import SamtykkeStore

/// A row of the `idempotencyKey` table, read into the shared `StoredIdempotencyRecord` (which decodes
/// it into an `IdempotencyRecord`, whose `outcome(for:now:)` decides what a request may do).
struct IdempotencyRow {
    /// The columns every record query selects, in the order `init(_:)` decodes them.
    static let columns = "bankOrg, key, requestHash, state, token, createdAt, completedAt, resultKind, consentId, sealedBundle, logIndex"

    let id: IdempotencyRecordID
    let record: IdempotencyRecord

    init(_ row: PostgresRow) throws {
        let (bank, key, requestHash, state, token, createdAt, completedAt, resultKind, consentId, sealedBundle, logIndex) = try row.decode(
            (String, String, ByteBuffer, String, String, Date, Date?, String?, String?, ByteBuffer?, Int64?).self
        )
        let stored = StoredIdempotencyRecord(
            bank: bank, key: key, requestHash: Array(requestHash.readableBytesView), state: state, token: token, createdAt: createdAt,
            completedAt: completedAt, resultKind: resultKind, consentId: consentId, sealedBundle: sealedBundle.map { Array($0.readableBytesView) },
            logIndex: logIndex
        )
        id = try stored.id()
        record = try stored.record()
    }

    /// The pending claim's token, if the record is one.
    var pendingToken: String? {
        if case .pending(let token, _) = record.state { token } else { nil }
    }

    /// How `result` is stored: `resultKind`, `consentId`, `sealedBundle`, `logIndex`.
    static func columns(of result: IdempotentResult) -> (kind: String, consentId: String, sealedBundle: ByteBuffer?, logIndex: Int64?) {
        let columns = StoredIdempotencyRecord.columns(of: result)
        return (columns.kind, columns.consentId, columns.sealedBundle.map { ByteBuffer(bytes: $0) }, columns.logIndex)
    }
}
