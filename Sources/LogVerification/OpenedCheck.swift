import CanonicalJSON
import SamtykkeCore

/// What an auditor checks beyond the public invariants, over the entries opened (SPEC §4): every
/// opening opens its entry (commitment, terms, and the subject tag with the person's key), all
/// entries of one consent name the same consent, person and bank under one tag, a citizen decides
/// only about themselves and a bank acts only on its own consents, and the v1 entries, which the
/// public invariants cannot read, follow the same state machine. An entry without an opening is
/// fine only when its consent was forgotten.
///
/// Fed in index order; the first failure is kept, to be reported once the entries are known to be
/// the signed ones.
struct OpenedCheck: Sendable {
    /// One entry as the auditor's pass read it.
    enum Fact: Sendable {
        /// What the entry says, with the v2 entry's consent tag (nil for a v1 entry).
        case entry(AuditEntry, tag: ConsentTag?)
        /// A v2 entry with no opening any more.
        case unopened(index: UInt64, tag: ConsentTag)
        /// The opening of a `consent.forgotten` entry, which names no one and was checked.
        case forgotten
        case failed(LogVerificationFailure)

        /// `entry` opened by `served`, checked; the person's key made ready through `taggers`.
        init(_ entry: PublicEntry, opening served: ServedOpening?, taggers: inout SubjectTaggers) {
            guard let served else {
                self = .unopened(index: entry.index, tag: entry.consent)
                return
            }
            do throws(DomainError) {
                let opening = try served.read(as: entry.type)
                let tagger = try served.readSubjectKey().map { taggers.tagger(for: $0) }
                if entry.type == .consentForgotten {
                    try entry.check(opening, tagger: tagger)
                    self = .forgotten
                } else {
                    self = .entry(try AuditEntry(entry, opening: opening, tagger: tagger), tag: entry.consent)
                }
            } catch {
                self = .failed(LogVerificationFailure(.badOpening(index: entry.index, reason: error.description)))
            }
        }

        /// A v1 leaf, which `LeafCheck` found canonical, read in full.
        init(v1Leaf leaf: [UInt8], at index: UInt64) {
            do throws(DomainError) {
                self = .entry(try AuditEntry(leafBytes: leaf), tag: nil)
            } catch {
                self = .failed(LogVerificationFailure(.malformedEntry(index: index, reason: error.description)))
            }
        }
    }

    private struct Parties: Sendable {
        let tag: ConsentTag?
        let personId: PersonID
        let bankOrg: OrgNumber
    }

    private var consents: [ConsentID: Parties] = [:]
    private var tagOwners: [ConsentTag: ConsentID] = [:]
    /// The state machine of the v1 entries' consents, keyed by their ids' bytes.
    private var v1Rules = PublicInvariants()
    /// Per consent tag, its first entry without an opening and how many it has.
    private var unopened: [ConsentTag: (first: UInt64, count: Int)] = [:]
    private(set) var firstBroken: LogVerificationFailure?
    /// Entries opened and checked (v2), and v1 entries read.
    private(set) var openedCount = 0
    private(set) var v1Count = 0

    mutating func take(_ fact: Fact) {
        guard firstBroken == nil else { return }
        switch fact {
        case .failed(let failure): firstBroken = failure
        case .forgotten: openedCount += 1
        case .unopened(let index, let tag): unopened[tag, default: (index, 0)].count += 1
        case .entry(let entry, let tag):
            do throws(DomainError) {
                try check(entry, tag: tag)
            } catch {
                firstBroken = LogVerificationFailure(.brokenRule(index: entry.index, reason: error.reason))
            }
        }
    }

    private mutating func check(_ entry: AuditEntry, tag: ConsentTag?) throws(DomainError) {
        if let known = consents[entry.consentId] {
            guard known.tag == tag else { throw .invalid("entry", "its consent \(entry.consentId) appeared under another consent tag before") }
            guard known.personId == entry.personId, known.bankOrg == entry.bankOrg else {
                throw .invalid("entry", "it names another person or bank than the earlier entries of consent \(entry.consentId)")
            }
        } else {
            if let tag {
                guard tagOwners[tag] == nil else { throw .invalid("entry", "its consent tag \(tag) belongs to another consent") }
                tagOwners[tag] = entry.consentId
            }
            consents[entry.consentId] = Parties(tag: tag, personId: entry.personId, bankOrg: entry.bankOrg)
        }
        switch entry.actor.kind {
        case .citizen:
            guard entry.actor.id == entry.personId.digits else { throw .invalid("entry", "a citizen acts on a consent that is not theirs") }
        case .bank:
            guard entry.actor.id == entry.bankOrg.digits else { throw .invalid("entry", "a bank acts on another bank's consent") }
        case .system, .auditor:
            break
        }
        if [.consentGranted, .consentDenied, .consentRevoked].contains(entry.type), entry.actor.kind != .citizen {
            throw .invalid("entry", "its \(entry.type.rawValue) was decided by a \(entry.actor.kind.rawValue), not by the citizen")
        }
        if tag == nil {
            v1Count += 1
            try v1Rules.check(try Self.publicForm(of: entry))
        } else {
            openedCount += 1
        }
    }

    /// A v1 entry as the public invariants read a v2 one: its consent id's bytes stand in for the tag.
    private static func publicForm(of entry: AuditEntry) throws(DomainError) -> PublicEntry {
        let terms: PublicEntry.Terms? = if case .requested(let requested) = entry.event {
            PublicEntry.Terms(validUntil: requested.validUntil, maxUses: requested.maxUses)
        } else {
            nil
        }
        let id = entry.consentId.uuid.uuid
        let bytes = withUnsafeBytes(of: id) { Array($0) }
        return try PublicEntry(
            index: entry.index, time: entry.time, type: entry.type, consent: try ConsentTag(bytes: bytes),
            subject: try SubjectTag(bytes: Array(repeating: 0, count: SubjectTagKind.length)),
            commitment: try EntryCommitment(bytes: Array(repeating: 0, count: EntryCommitmentKind.length)), terms: terms
        )
    }

    /// After the pass: every entry without an opening must belong to a forgotten consent. Returns
    /// how many such entries there were, or the first that does not.
    func unopenedEntries(forgotten: (ConsentTag) -> Bool) throws(LogVerificationFailure) -> Int {
        if let firstBroken { throw firstBroken }
        if let stray = unopened.filter({ !forgotten($0.key) }).min(by: { $0.value.first < $1.value.first }) {
            throw LogVerificationFailure(.unopened(index: stray.value.first))
        }
        return unopened.values.reduce(0) { $0 + $1.count }
    }
}

/// Each person's `SubjectTagger`, made once per key rather than setting up the HMAC's keyed blocks
/// again for every entry opened.
struct SubjectTaggers {
    private var made: [SubjectKey: SubjectTagger] = [:]

    mutating func tagger(for key: SubjectKey) -> SubjectTagger {
        if let tagger = made[key] { return tagger }
        let tagger = SubjectTagger(key)
        made[key] = tagger
        return tagger
    }
}
