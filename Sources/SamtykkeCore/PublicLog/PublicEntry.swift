import CanonicalJSON
import Foundation

/// A v2 leaf of the consent log (SPEC §4): what happened, when, to which consent tag, with a
/// subject tag and a commitment in place of everything that names anyone. Anyone may read it.
public struct PublicEntry: Sendable, Hashable {
    /// The terms a `consent.requested` entry makes public, so anyone can check the uses against them.
    public struct Terms: Sendable, Hashable {
        public let validUntil: Date
        public let maxUses: Int

        public init(validUntil: Date, maxUses: Int) {
            self.validUntil = validUntil.roundedToMilliseconds
            self.maxUses = maxUses
        }
    }

    public static let version = 2

    public let index: UInt64
    public let time: Date
    public let type: AuditEntry.EntryType
    public let consent: ConsentTag
    public let subject: SubjectTag
    public let commitment: EntryCommitment
    /// Present on `consent.requested` and on no other type.
    public let terms: Terms?

    public init(
        index: UInt64, time: Date, type: AuditEntry.EntryType, consent: ConsentTag, subject: SubjectTag,
        commitment: EntryCommitment, terms: Terms?
    ) throws(DomainError) {
        guard (terms != nil) == (type == .consentRequested) else {
            throw .invalid("entry.terms", type == .consentRequested ? "is missing on consent.requested" : "is only on consent.requested")
        }
        self.index = index
        // The log keeps millisecond precision; rounding here makes a parsed entry equal the original.
        self.time = time.roundedToMilliseconds
        self.type = type
        self.consent = consent
        self.subject = subject
        self.commitment = commitment
        self.terms = terms
    }

    /// The public entry and its opening for `privatePart` at `index` and `time`: the subject tag made
    /// with the person's key, the commitment with a fresh salt (or `salt`, for known answers).
    public static func seal(
        index: UInt64, time: Date, privatePart: PrivateEntryPart, consent: ConsentTag, subjectKey: SubjectKey,
        salt: EntrySalt = .random()
    ) throws -> (entry: PublicEntry, opening: EntryOpening) {
        let opening = EntryOpening(index: index, salt: salt, privatePart: privatePart)
        let terms: Terms? = if case .requested(let requested) = privatePart.event {
            Terms(validUntil: requested.validUntil, maxUses: requested.maxUses)
        } else {
            nil
        }
        let entry = try PublicEntry(
            index: index, time: time, type: privatePart.event.type, consent: consent, subject: subjectKey.tag(at: index),
            commitment: try opening.commitment(), terms: terms
        )
        return (entry, opening)
    }

    /// Whether `opening` opens this entry: same index, the commitment recomputed from its salt and
    /// private part, the terms the private part requested, and (given the person's key) the
    /// subject tag. Names what does not match.
    public func check(_ opening: EntryOpening, subjectKey: SubjectKey? = nil) throws(DomainError) {
        try check(opening, tagger: subjectKey.map(SubjectTagger.init))
    }

    /// `check(_:subjectKey:)` with the person's key made ready once (`SubjectTagger`), for a
    /// verifier that opens many entries of one person.
    public func check(_ opening: EntryOpening, tagger: SubjectTagger?) throws(DomainError) {
        guard opening.index == index else { throw .invalid("opening.index", "is \(opening.index), the entry's is \(index)") }
        guard opening.privatePart.event.type == type else { throw .invalid("opening.private", "is of another entry type") }
        let recomputed: EntryCommitment
        do {
            recomputed = try opening.commitment()
        } catch {
            throw .invalid("opening.private", "cannot be written as canonical JSON")
        }
        guard recomputed == commitment else { throw .invalid("opening", "does not open the entry's commitment") }
        if case .requested(let requested) = opening.privatePart.event,
            terms != Terms(validUntil: requested.validUntil, maxUses: requested.maxUses)
        {
            throw .invalid("entry.terms", "are not the terms the opening requested")
        }
        if let tagger, tagger.tag(at: index) != subject {
            throw .invalid("entry.subject", "is not the subject tag of this person's key")
        }
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "v": .number(Double(Self.version)),
            "index": .number(Double(index)),
            "time": .string(RFC3339.string(from: time)),
            "type": .string(type.rawValue),
            "consent": .string(consent.description),
            "subject": .string(subject.description),
            "commitment": .string(commitment.description),
        ]
        if let terms {
            object["terms"] = .object([
                "validUntil": .string(RFC3339.string(from: terms.validUntil)),
                "maxUses": .number(Double(terms.maxUses)),
            ])
        }
        return .object(object)
    }

    /// The exact leaf bytes: RFC 8785 canonical JSON.
    public func leafBytes() throws -> [UInt8] {
        try CanonicalJSON.encode(json)
    }

    /// Reads a v2 leaf back, checking the bytes are exactly the canonical form of what they say.
    public init(leafBytes: [UInt8]) throws(DomainError) {
        try self.init(object: try AuditEntry.object(ofLeaf: leafBytes), leafBytes: leafBytes)
    }

    /// Reads `o`, the object `leafBytes` hold, as a v2 entry.
    init(object o: [String: JSONValue], leafBytes: [UInt8]) throws(DomainError) {
        func string(_ key: String) throws(DomainError) -> String {
            guard case .string(let s)? = o[key] else { throw .invalid("entry.\(key)", "is missing or not a string") }
            return s
        }
        guard case .number(let v)? = o["v"], Int(exactly: v) == Self.version else { throw .invalid("entry.v", "is not version \(Self.version)") }
        guard case .number(let i)? = o["index"], let index = UInt64(exactly: i) else {
            throw .invalid("entry.index", "is not a non-negative integer")
        }
        guard let time = RFC3339.date(from: try string("time")) else { throw .invalid("entry.time", "is not an RFC 3339 time") }
        guard let type = AuditEntry.EntryType(rawValue: try string("type")) else { throw .invalid("entry.type", "is not a known entry type") }
        var terms: Terms?
        if let value = o["terms"] {
            guard case .object(let t) = value, t.count == 2, case .string(let until)? = t["validUntil"],
                let validUntil = RFC3339.date(from: until), case .number(let uses)? = t["maxUses"], let maxUses = Int(exactly: uses)
            else { throw .invalid("entry.terms", "is not {validUntil, maxUses}") }
            terms = Terms(validUntil: validUntil, maxUses: maxUses)
        }
        try self.init(
            index: index, time: time, type: type,
            consent: try ConsentTag(base64URL: try string("consent"), field: "entry.consent"),
            subject: try SubjectTag(base64URL: try string("subject"), field: "entry.subject"),
            commitment: try EntryCommitment(base64URL: try string("commitment"), field: "entry.commitment"),
            terms: terms
        )
        guard o.count == (terms == nil ? 7 : 8), (try? self.leafBytes()) == leafBytes else {
            throw .invalid("entry", "is not in canonical form")
        }
    }
}
