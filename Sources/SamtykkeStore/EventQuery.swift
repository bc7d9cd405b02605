import SamtykkeCore

/// A page of one bank's events, oldest first, after a cursor.
public struct EventQuery: Sendable, Hashable {
    public var bank: OrgNumber
    /// The last event of the previous page; nil starts at the beginning.
    public var after: EventID?
    public var limit: Int

    public init(bank: OrgNumber, after: EventID? = nil, limit: Int = 100) {
        self.bank = bank
        self.after = after
        self.limit = limit
    }
}
