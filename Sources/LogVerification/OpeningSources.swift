import CanonicalJSON
import SamtykkeCore

/// An opening as a broker serves it (SPEC §4), not yet read: what it must be depends on the type of
/// the entry it claims to open, and a malformed one is a failure naming that entry, not an error.
public struct ServedOpening: Sendable, Hashable {
    public let index: UInt64
    private let form: Form
    private let key: Key?

    /// The subject key of the person the opening names, as the auditor route serves it (base64url);
    /// nil for `consent.forgotten` and for a person already forgotten.
    public var subjectKey: String? {
        switch key {
        case .text(let text): text
        case .read(let key): key.description
        case nil: nil
        }
    }

    /// As it came: a JSON value, or already read from a page in the broker's canonical form
    /// (`OpeningsPage`), with its private part's bytes.
    private enum Form: Sendable, Hashable {
        case json(JSONValue)
        case read(EntryOpening)
    }

    /// The subject key as text, or already read from a page: an auditor's pass reads a million,
    /// and writing each as text to read it again was a tenth of the work per opening.
    private enum Key: Sendable, Hashable {
        case text(String)
        case read(SubjectKey)
    }

    public init(index: UInt64, opening: JSONValue, subjectKey: String?) {
        self.index = index
        form = .json(opening)
        key = subjectKey.map(Key.text)
    }

    /// A citizen's opening as JSON, under the index it states; nil when it states none.
    public init?(statingIndex json: JSONValue) {
        guard case .object(let object) = json, case .number(let number)? = object["index"], let index = UInt64(exactly: number) else { return nil }
        self.init(index: index, opening: json, subjectKey: nil)
    }

    /// An opening read from a page of openings (`OpeningsPage.scanned`).
    public init(_ opening: EntryOpening, subjectKey: SubjectKey?) {
        index = opening.index
        form = .read(opening)
        key = subjectKey.map(Key.read)
    }

    /// The opening as JSON.
    public var opening: JSONValue {
        switch form {
        case .json(let json): json
        case .read(let opening): opening.json
        }
    }

    /// The opening of an entry of `type`, read strictly, naming the member at fault.
    func read(as type: AuditEntry.EntryType) throws(DomainError) -> EntryOpening {
        if case .read(let opening) = form, opening.privatePart.event.type == type { return opening }
        return try EntryOpening(json: opening, type: type)
    }

    /// The subject key, read strictly.
    func readSubjectKey() throws(DomainError) -> SubjectKey? {
        switch key {
        case .text(let text): try SubjectKey(base64URL: text, field: "subjectKey")
        case .read(let key): key
        case nil: nil
        }
    }
}

/// Every opening, for auditors: `GET /v1/audit/openings`.
public protocol AuditorOpeningSource: Sendable {
    /// Up to `limit` openings of entries at index ≥ `start` that still have one, in index order.
    func openings(start: UInt64, limit: Int) async throws -> [ServedOpening]
}

/// A citizen's own key and openings: `GET /v1/me/subject-key`, `GET /v1/me/openings`.
public protocol CitizenOpeningSource: Sendable {
    /// The citizen's subject key as served (base64url); nil when the log holds nothing about them.
    func subjectKey() async throws -> String?
    /// The openings of those of `indexes` that are about the citizen (an empty list when none is),
    /// at most `CitizenLogVerifier.openingsPerRequest` indexes at a time.
    func openings(indexes: [UInt64]) async throws -> [JSONValue]
    /// The same openings, each with the index it states; a source that reads them faster than as
    /// JSON values says so here.
    func servedOpenings(indexes: [UInt64]) async throws -> [ServedOpening]
}

extension CitizenOpeningSource {
    /// `openings(indexes:)`, each with the index it states; one without is left out.
    public func servedOpenings(indexes: [UInt64]) async throws -> [ServedOpening] {
        try await openings(indexes: indexes).compactMap(ServedOpening.init(statingIndex:))
    }
}

/// Thrown by a `LogSource` for an entry bundle it keeps to auditors (one holding a v1 entry, SPEC
/// §4): a verifier without the key takes the bundle's leaf hashes from the public hash tile instead.
public struct EntriesWithheld: Error, Sendable {
    public init() {}
}
