import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

/// A row of the `idempotencyKey` table, read into the shared `IdempotencyRecord` (whose
/// `outcome(for:now:)` decides what a request may do) and written from an `IdempotentResult`.
struct IdempotencyRow {
    /// The columns every record query selects, in the order `init(_:)` decodes them.
    static let columns = "bankOrg, key, requestHash, state, token, createdAt, completedAt, resultKind, consentId, sealedBundle, logIndex"

    let id: IdempotencyRecordID
    let record: IdempotencyRecord

    init(_ row: PostgresRow) throws {
        let (bank, key, requestHash, state, token, createdAt, completedAt, resultKind, consentId, sealedBundle, logIndex) = try row.decode(
            (String, String, ByteBuffer, String, String, Date, Date?, String?, String?, ByteBuffer?, Int64?).self
        )
        guard let org = try? OrgNumber(bank) else { throw StorageError.corrupt("an Idempotency-Key names bank \(bank)") }
        id = IdempotencyRecordID(bank: org, key: key)
        switch state {
        case "pending":
            record = IdempotencyRecord(requestHash: Array(requestHash.readableBytesView), state: .pending(token: token, since: createdAt.roundedToMilliseconds))
        case "done":
            guard let completedAt else { throw StorageError.corrupt("a finished Idempotency-Key has no completion time") }
            let result = try Self.result(kind: resultKind, consentId: consentId, sealedBundle: sealedBundle, logIndex: logIndex)
            record = IdempotencyRecord(requestHash: Array(requestHash.readableBytesView), state: .done(result, at: completedAt.roundedToMilliseconds))
        default:
            throw StorageError.corrupt("an Idempotency-Key is in state \(state)")
        }
    }

    /// The pending claim's token, if the record is one.
    var pendingToken: String? {
        if case .pending(let token, _) = record.state { token } else { nil }
    }

    /// How `result` is stored: `resultKind`, `consentId`, `sealedBundle`, `logIndex`.
    static func columns(of result: IdempotentResult) -> (kind: String, consentId: String, sealedBundle: ByteBuffer?, logIndex: Int64?) {
        switch result {
        case .consentCreated(let id): ("consent", id.description, nil, nil)
        case .bundleIssued(let id, let sealed, let index): ("bundle", id.description, ByteBuffer(bytes: sealed), Int64(index))
        }
    }

    /// 128 random bits, unguessable by another request: what makes a claim this request's own.
    static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &rng)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    private static func result(kind: String?, consentId: String?, sealedBundle: ByteBuffer?, logIndex: Int64?) throws(StorageError) -> IdempotentResult {
        guard let consentId, let id = try? ConsentID(consentId) else { throw .corrupt("a finished Idempotency-Key names no consent") }
        switch kind {
        case "consent":
            return .consentCreated(id)
        case "bundle":
            guard let sealedBundle, let logIndex, logIndex >= 0 else { throw .corrupt("a finished bundle Idempotency-Key has no bundle") }
            return .bundleIssued(id, sealedBundle: Array(sealedBundle.readableBytesView), logIndex: UInt64(logIndex))
        default:
            throw .corrupt("a finished Idempotency-Key has result kind \(kind ?? "NULL")")
        }
    }
}
