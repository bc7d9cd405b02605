import Foundation

/// SPEC §4's public invariants, which anyone checks from the public entries alone, per consent
/// tag: the first entry is `consent.requested` with its terms; decisions follow the state machine
/// of §1; `data.requested` and `bundle.issued` only while the consent is active and not after its
/// `validUntil`, at most `maxUses` bundles, and `consent.exhausted` right after the last one; after
/// a terminal entry nothing but `bundle.refused` and one `consent.forgotten`, which comes only
/// after a terminal entry and ends the consent's entries.
///
/// Fed the entries in index order; v1 entries name their parties in clear and are not its business.
public struct PublicInvariants: Sendable {
    private struct Consent: Sendable {
        let terms: PublicEntry.Terms
        var status: ConsentStatus = .pending
        var bundles = 0
        var forgotten = false
        /// Its entries before any `consent.forgotten`.
        var entries = 1
    }

    private var consents: [ConsentTag: Consent] = [:]

    public init() {}

    /// How many entries were checked.
    public private(set) var entryCount = 0

    /// How many consent tags the entries so far named.
    public var consentCount: Int { consents.count }

    /// How many of them were forgotten.
    public var forgottenCount: Int { consents.values.count { $0.forgotten } }

    /// How many entries belong to forgotten consents, their `consent.forgotten` aside: the entries
    /// whose openings retention shredded, which nobody can link to a person any more.
    public var shreddedEntryCount: Int { consents.values.reduce(0) { $0 + ($1.forgotten ? $1.entries : 0) } }

    /// Whether an entry for `tag` was taken.
    public func knows(_ tag: ConsentTag) -> Bool { consents[tag] != nil }

    /// Whether `tag`'s consent has its `consent.forgotten` entry.
    public func isForgotten(_ tag: ConsentTag) -> Bool { consents[tag]?.forgotten == true }

    /// The state the entries so far left `tag`'s consent in, and the terms it was requested with;
    /// nil for a tag no entry named, or whose first entry broke the rules.
    public func standing(of tag: ConsentTag) -> (status: ConsentStatus, terms: PublicEntry.Terms)? {
        consents[tag].map { ($0.status, $0.terms) }
    }

    /// Takes the next entry, or says which invariant it breaks. The consent is changed where it lies,
    /// found once: a verifier takes a million entries, and a second lookup to write a copy back cost
    /// as much as the first.
    public mutating func check(_ entry: PublicEntry) throws(DomainError) {
        entryCount += 1
        guard let position = consents.index(forKey: entry.consent) else {
            guard entry.type == .consentRequested, let terms = entry.terms else {
                throw Self.broken(entry, "the consent's first entry is \(entry.type.rawValue), not consent.requested")
            }
            consents[entry.consent] = Consent(terms: terms)
            return
        }
        try Self.take(entry, into: &consents.values[position])
    }

    /// The rules for a consent's later entries; `consent` changes only once `entry` passed them all.
    private static func take(_ entry: PublicEntry, into consent: inout Consent) throws(DomainError) {
        if consent.forgotten { throw broken(entry, "it comes after the consent's consent.forgotten") }
        let spent = consent.status == .active && consent.bundles == consent.terms.maxUses
        if spent, entry.type != .consentExhausted {
            throw broken(entry, "the consent's \(consent.terms.maxUses) uses are spent, so its next entry must be consent.exhausted")
        }
        switch entry.type {
        case .consentRequested:
            throw broken(entry, "the consent was requested before")
        case .bundleRefused:
            break
        case .consentForgotten:
            guard consent.status.isTerminal else { throw broken(entry, "the consent is \(consent.status.rawValue), not ended") }
            consent.forgotten = true
            consent.entries -= 1
        case .dataRequested, .bundleIssued:
            guard consent.status == .active else { throw broken(entry, "the consent is \(consent.status.rawValue), not active") }
            guard entry.time <= consent.terms.validUntil else {
                throw broken(entry, "it is after the consent's validUntil, \(RFC3339.string(from: consent.terms.validUntil))")
            }
            if entry.type == .bundleIssued { consent.bundles += 1 }
        case .consentExhausted:
            guard spent else {
                throw broken(entry, "the consent has \(consent.bundles) of its \(consent.terms.maxUses) bundles, so it is not used up")
            }
            consent.status = .exhausted
        case .consentGranted, .consentDenied, .consentRevoked, .consentWithdrawn, .consentExpired:
            guard let event = entry.type.transitionEvent, let next = consent.status.next(on: event) else {
                throw broken(entry, "a \(consent.status.rawValue) consent cannot be \(entry.type.rawValue.dropFirst("consent.".count))")
            }
            consent.status = next
        }
        consent.entries += 1
    }

    private static func broken(_ entry: PublicEntry, _ why: String) -> DomainError {
        .invalid("entry", "its \(entry.type.rawValue) of consent \(entry.consent) breaks the public rules of the log: \(why)")
    }
}

/// For a verifier that keeps what it checked across runs (a data holder's monitor): each consent
/// as one record, its tag in base64url as the entries write it.
extension PublicInvariants: Codable {
    private struct Record: Codable {
        let tag: String
        let validUntil: Date
        let maxUses: Int
        let status: ConsentStatus
        let bundles: Int
        let forgotten: Bool
        let entries: Int
    }

    private enum CodingKeys: String, CodingKey {
        case entryCount, consents
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entryCount = try container.decode(Int.self, forKey: .entryCount)
        for record in try container.decode([Record].self, forKey: .consents) {
            var consent = Consent(terms: PublicEntry.Terms(validUntil: record.validUntil, maxUses: record.maxUses))
            consent.status = record.status
            consent.bundles = record.bundles
            consent.forgotten = record.forgotten
            consent.entries = record.entries
            consents[try ConsentTag(base64URL: record.tag, field: "consents")] = consent
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entryCount, forKey: .entryCount)
        let records = consents.map { tag, consent in
            Record(
                tag: tag.description, validUntil: consent.terms.validUntil, maxUses: consent.terms.maxUses, status: consent.status,
                bundles: consent.bundles, forgotten: consent.forgotten, entries: consent.entries)
        }
        try container.encode(records.sorted { $0.tag < $1.tag }, forKey: .consents)
    }
}
