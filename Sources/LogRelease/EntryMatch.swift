import SamtykkeCore

/// SPEC §5 check 2: the proven leaf is a v2 `data.requested` entry, its opening opens its
/// commitment, and what it opens to is this token's consent, person, bank, consent tag, and no less
/// than the scopes and years the token covers.
public enum EntryMatch {
    /// The entry, once it matches; `index` is where the proof placed it.
    public static func check(leaf: [UInt8], index: UInt64, claim: ReleaseClaim, subject: ReleaseSubject) throws(ReleaseRefusal) -> PublicEntry {
        func refuse(_ reason: String) -> ReleaseRefusal { ReleaseRefusal(.entry, reason) }
        let logLeaf: LogLeaf
        do { logLeaf = try LogLeaf.scanned(leaf) } catch { throw refuse("it is not a log entry: \(error)") }
        guard case .v2(let entry) = logLeaf else { throw refuse("it is a v1 entry, which names its parties in clear") }
        guard entry.type == .dataRequested else { throw refuse("it is \(entry.type.rawValue), not data.requested") }
        guard entry.index == index else { throw refuse("it says index \(entry.index), the proof places it at \(index)") }
        guard entry.consent == subject.consentTag else { throw refuse("its consent tag is \(entry.consent), the token's is \(subject.consentTag)") }
        let opening: EntryOpening
        do {
            opening = try EntryOpening(json: claim.opening, type: entry.type)
            try entry.check(opening)
        } catch {
            throw refuse("its opening: \(error)")
        }
        let part = opening.privatePart
        guard let parties = part.parties else { throw refuse("its opening names no consent") }
        guard parties.consentId == subject.consentId else { throw refuse("it is for another consent") }
        guard parties.personId == subject.personId else { throw refuse("it is for another person") }
        guard parties.bankOrg == subject.bankOrg else { throw refuse("it is for another bank") }
        guard part.actor == .bank(subject.bankOrg) else { throw refuse("its actor is not the bank") }
        guard case .dataRequested(let scopes, let years) = part.event,
            subject.scopes.isSubset(of: Set(scopes)), subject.years.isSubset(of: Set(years))
        else { throw refuse("the token covers scopes or years the entry does not request") }
        return entry
    }
}
