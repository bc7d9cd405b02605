extension AuditEntry {
    /// What a v2 entry says once opened: the public entry's index, time and type with the private
    /// part's actor, parties and details, the same facts a v1 entry states in clear. Refuses an
    /// opening that does not open `entry` (see `PublicEntry.check`), and the opening of a
    /// `consent.forgotten` entry, which names no one.
    public init(_ entry: PublicEntry, opening: EntryOpening, subjectKey: SubjectKey? = nil) throws(DomainError) {
        try self.init(entry, opening: opening, tagger: subjectKey.map(SubjectTagger.init))
    }

    /// The same, with the person's key made ready once (`SubjectTagger`).
    public init(_ entry: PublicEntry, opening: EntryOpening, tagger: SubjectTagger?) throws(DomainError) {
        try entry.check(opening, tagger: tagger)
        guard let parties = opening.privatePart.parties else { throw .invalid("opening.private", "names no consent, person or bank") }
        self.init(
            index: entry.index, time: entry.time, actor: opening.privatePart.actor, consentId: parties.consentId,
            personId: parties.personId, bankOrg: parties.bankOrg, event: opening.privatePart.event
        )
    }

    /// The private part this entry's v2 form commits to.
    public func privatePart() throws(DomainError) -> PrivateEntryPart {
        try PrivateEntryPart(actor: actor, parties: .init(consentId: consentId, personId: personId, bankOrg: bankOrg), event: event)
    }
}

extension LogLeaf {
    /// The entry as a v1 entry states it: a v1 leaf as it is, a v2 leaf through its opening (nil
    /// when it has none). Throws for an opening that does not open the leaf.
    public func audited(opening: EntryOpening?) throws(DomainError) -> AuditEntry? {
        switch self {
        case .v1(let entry): return entry
        case .v2(let entry):
            guard let opening else { return nil }
            return try AuditEntry(entry, opening: opening)
        }
    }
}

extension AuditEntry {
    /// A leaf of either version as a v1 entry states it: a v2 leaf through `opening`, which it needs.
    public init(leafBytes: [UInt8], opening: EntryOpening?) throws(DomainError) {
        guard let entry = try LogLeaf(leafBytes: leafBytes).audited(opening: opening) else {
            throw .invalid("opening", "is missing, and a v2 entry says what it is about only through its opening")
        }
        self = entry
    }
}
