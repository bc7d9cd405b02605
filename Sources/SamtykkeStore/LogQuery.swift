import SamtykkeCore

/// Entries in index order from `start`, optionally only those about one consent, person or bank.
public struct LogQuery: Sendable, Hashable {
    public var start: UInt64
    public var limit: Int
    public var consentId: ConsentID?
    public var personId: PersonID?
    public var bankOrg: OrgNumber?

    public init(start: UInt64 = 0, limit: Int, consentId: ConsentID? = nil, personId: PersonID? = nil, bankOrg: OrgNumber? = nil) {
        self.start = start
        self.limit = limit
        self.consentId = consentId
        self.personId = personId
        self.bankOrg = bankOrg
    }
}

/// One entry as stored: its index and the exact leaf bytes that were hashed.
public struct StoredEntry: Sendable, Hashable {
    public let index: UInt64
    public let leaf: [UInt8]

    public init(index: UInt64, leaf: [UInt8]) {
        self.index = index
        self.leaf = leaf
    }
}
