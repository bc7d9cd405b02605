import CanonicalJSON

/// An opening as a broker serves it (SPEC §4), not yet read: what it must be depends on the type of
/// the entry it claims to open, and a malformed one is a failure naming that entry, not an error.
public struct ServedOpening: Sendable, Hashable {
    public let index: UInt64
    public let opening: JSONValue
    /// The subject key of the person the opening names, as the auditor route serves it (base64url);
    /// nil for `consent.forgotten` and for a person already forgotten.
    public let subjectKey: String?

    public init(index: UInt64, opening: JSONValue, subjectKey: String?) {
        self.index = index
        self.opening = opening
        self.subjectKey = subjectKey
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
}

/// Thrown by a `LogSource` for an entry bundle it keeps to auditors (one holding a v1 entry, SPEC
/// §4): a verifier without the key takes the bundle's leaf hashes from the public hash tile instead.
public struct EntriesWithheld: Error, Sendable {
    public init() {}
}
