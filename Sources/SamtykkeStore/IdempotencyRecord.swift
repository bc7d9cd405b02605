import Foundation

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
