import Foundation
import SamtykkeCore

/// A stored `Idempotency-Key` record, as both backends read it. `outcome(for:now:)` is the one place
/// that decides what a request with a key may do.
public struct IdempotencyRecord: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case pending(token: String, since: Date)
        case done(IdempotentResult, at: Date)
    }

    public let requestHash: [UInt8]
    public let state: State

    public init(requestHash: [UInt8], state: State) {
        self.requestHash = requestHash
        self.state = state
    }

    /// What `key` may do given this record at `now`; nil when the record is forgotten (finished more
    /// than `retainFor` ago, or a claim abandoned after `abandonAfter`) and the key is free again.
    public func outcome(for key: IdempotencyKey, now: Date) -> IdempotencyOutcome? {
        switch state {
        case .pending(_, let since):
            guard now.timeIntervalSince(since) <= key.abandonAfter else { return nil }
            return requestHash == key.requestHash ? .inProgress : .mismatch
        case .done(let result, let at):
            guard now.timeIntervalSince(at) <= key.retainFor else { return nil }
            return requestHash == key.requestHash ? .replay(result) : .mismatch
        }
    }
}

/// The columns of a stored `Idempotency-Key` record as both backends read them, and how a result is
/// written into them: the one decoding, so a row no valid operation could have written is `corrupt`
/// on every backend.
public struct StoredIdempotencyRecord: Sendable {
    public var bank: String
    public var key: String
    public var requestHash: [UInt8]
    public var state: String
    public var token: String
    public var createdAt: Date
    public var completedAt: Date?
    public var resultKind: String?
    public var consentId: String?
    public var sealedBundle: [UInt8]?
    public var logIndex: Int64?

    public init(
        bank: String, key: String, requestHash: [UInt8], state: String, token: String, createdAt: Date, completedAt: Date?, resultKind: String?,
        consentId: String?, sealedBundle: [UInt8]?, logIndex: Int64?
    ) {
        self.bank = bank
        self.key = key
        self.requestHash = requestHash
        self.state = state
        self.token = token
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.resultKind = resultKind
        self.consentId = consentId
        self.sealedBundle = sealedBundle
        self.logIndex = logIndex
    }

    public func id() throws(StoreFailure) -> IdempotencyRecordID {
        guard let org = try? OrgNumber(bank) else { throw .corrupt("an Idempotency-Key names bank \(bank)") }
        return IdempotencyRecordID(bank: org, key: key)
    }

    /// The record, at the millisecond precision the domain keeps.
    public func record() throws(StoreFailure) -> IdempotencyRecord {
        switch state {
        case "pending":
            return IdempotencyRecord(requestHash: requestHash, state: .pending(token: token, since: createdAt.roundedToMilliseconds))
        case "done":
            guard let completedAt else { throw .corrupt("a finished Idempotency-Key has no completion time") }
            return IdempotencyRecord(requestHash: requestHash, state: .done(try result(), at: completedAt.roundedToMilliseconds))
        default:
            throw .corrupt("an Idempotency-Key is in state \(state)")
        }
    }

    private func result() throws(StoreFailure) -> IdempotentResult {
        guard let consentId, let id = try? ConsentID(consentId) else { throw .corrupt("a finished Idempotency-Key names no consent") }
        switch resultKind {
        case "consent":
            return .consentCreated(id)
        case "bundle":
            guard let sealedBundle, let logIndex, logIndex >= 0 else { throw .corrupt("a finished bundle Idempotency-Key has no bundle") }
            return .bundleIssued(id, sealedBundle: sealedBundle, logIndex: UInt64(logIndex))
        default:
            throw .corrupt("a finished Idempotency-Key has result kind \(resultKind ?? "NULL")")
        }
    }

    /// How `result` is stored: `resultKind`, `consentId`, `sealedBundle`, `logIndex`.
    public static func columns(of result: IdempotentResult) -> (kind: String, consentId: String, sealedBundle: [UInt8]?, logIndex: Int64?) {
        switch result {
        case .consentCreated(let id): ("consent", id.description, nil, nil)
        case .bundleIssued(let id, let sealed, let index): ("bundle", id.description, sealed, Int64(index))
        }
    }
}
