import Foundation
import SamtykkeCore

/// A bank's `Idempotency-Key` on a POST, with the digest of the request it came with.
public struct IdempotencyKey: Sendable, Hashable {
    public let bank: OrgNumber
    public let key: String
    /// SHA-256 of method, path and body: the same key with anything else is a different request.
    public let requestHash: [UInt8]
    /// A pending claim older than this is taken to be abandoned (its request died) and may be retaken.
    public let abandonAfter: TimeInterval
    /// A finished record older than this is forgotten: the key may be used afresh.
    public let retainFor: TimeInterval
    /// A day, the common rule for idempotency keys: long enough for any retry a client makes, and
    /// the longest a sealed bundle is kept for one.
    public static let standardRetention: TimeInterval = 86_400

    public init(bank: OrgNumber, key: String, requestHash: [UInt8], abandonAfter: TimeInterval, retainFor: TimeInterval = Self.standardRetention) {
        self.bank = bank
        self.key = key
        self.requestHash = requestHash
        self.abandonAfter = abandonAfter
        self.retainFor = retainFor
    }
}

/// A claim on a key: the key and a token only this claim knows, so a request whose claim was taken
/// over (it ran past `abandonAfter`) cannot complete or release someone else's.
public struct IdempotencyClaim: Sendable, Hashable {
    public let key: IdempotencyKey
    public let token: String

    public init(key: IdempotencyKey, token: String) {
        self.key = key
        self.token = token
    }

    /// A new claim on `key` with a fresh token.
    public init(key: IdempotencyKey) {
        self.init(key: key, token: Self.newToken())
    }

    /// 128 random bits in hex, unguessable by another request: what makes a claim this request's own.
    public static func newToken() -> String {
        RandomBytes.hex(16)
    }
}

/// What a finished request left under its key.
public enum IdempotentResult: Sendable, Hashable {
    case consentCreated(ConsentID)
    /// The bundle as sealed by the broker, and the index of its `bundle.issued` entry.
    case bundleIssued(ConsentID, sealedBundle: [UInt8], logIndex: UInt64)
}

/// What an `Idempotency-Key` says about a request.
public enum IdempotencyOutcome: Sendable, Hashable {
    /// The key is new (or was abandoned) and is now claimed: do the work.
    case proceed(IdempotencyClaim)
    /// The key finished before with this same request.
    case replay(IdempotentResult)
    /// Another request with the key is still running.
    case inProgress
    /// The key was used with a different request.
    case mismatch
}
