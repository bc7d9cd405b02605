import CanonicalJSON
import Foundation
import SamtykkeCore

/// The private halves of v2 entries (SPEC §4): each entry's opening, each person's subject key and
/// each consent's public tag, written by the commit that logs the entries. Kept apart from the
/// append-only log so that forgetting a consent can delete its openings, and forgetting a person
/// their subject key, while leaves, nodes and checkpoints stay as they are.
public protocol OpeningStore: Sendable {
    /// Up to `limit` openings of entries at index ≥ `start` that still have one, in index order,
    /// each with the subject key of the person it names (for auditors, SPEC §2), written as their
    /// page straight from the stored columns (`OpeningsPage.Writer.appendStored`).
    func openingsPage(from start: UInt64, limit: Int) async throws -> OpeningsPage.Writer
    /// The openings of those of `indexes` that have one and, given `person`, are about that person.
    func openings(at indexes: [UInt64], about person: PersonID?) async throws -> [EntryOpening]
    /// The person's subject key; nil before their first v2 entry.
    func subjectKey(of person: PersonID) async throws -> SubjectKey?
}

extension OpeningsPage.Writer {
    /// One stored opening, as an auditor's page serves it: the private part as the canonical bytes
    /// the commit stored (`EntryOpening.Row`), not read back. A row no commit could have written
    /// is `corrupt`: a salt or key of another length, or a private part that is not an object
    /// naming its actor first, as canonical JSON of one is.
    public mutating func appendStored(
        index: Int64, salt: UnsafeRawBufferPointer, privateJSON: UnsafeRawBufferPointer, subjectKey: UnsafeRawBufferPointer?
    ) throws(StoreFailure) {
        guard index >= 0, salt.count == EntrySaltKind.length, subjectKey.map({ $0.count == SubjectKeyKind.length }) ?? true,
            privateJSON.starts(with: Self.privateStart), privateJSON.last == UInt8(ascii: "}")
        else { throw .corrupt("the opening of entry \(index) cannot be read") }
        append(index: UInt64(index), canonicalPrivate: privateJSON, salt: salt, subjectKey: subjectKey)
    }

    private static let privateStart = Array(#"{"actor":{"#.utf8)
}

/// One entry with what it says once opened.
public struct OpenedEntry: Sendable, Hashable {
    public let index: UInt64
    public let leaf: [UInt8]
    /// The v1 entry as it is, a v2 entry through its opening; nil for a v2 entry without one.
    public let entry: AuditEntry?
    /// A v2 entry's opening, when it still has one.
    public let opening: EntryOpening?
}

extension LogStore where Self: OpeningStore {
    /// `query`'s entries, each v2 one opened by its stored opening (checked against it).
    public func openedEntries(_ query: LogQuery) async throws -> [OpenedEntry] {
        try await OpenedEntry.open(try await logEntries(query), store: self)
    }

    /// `query`'s entries as a v1 entry states them, each v2 one through its opening; a v2 entry
    /// without one (forgotten) is `corrupt` here, for callers that read only live consents.
    public func auditedEntries(_ query: LogQuery) async throws -> [AuditEntry] {
        try await openedEntries(query).map { opened in
            guard let entry = opened.entry else { throw StoreFailure.corrupt("entry \(opened.index) has no opening") }
            return entry
        }
    }
}

extension OpeningStore where Self: LogStore {
    /// The openings of those of `indexes` that are about `person` (`GET /v1/me/openings`): their
    /// entries' openings, and those of the `consent.forgotten` entries whose subject tags their key
    /// made. A forgotten entry's opening names no one, so only its subject tag says whose it is;
    /// with it, a citizen who still has a key opens the entry that says their consent was forgotten.
    public func openings(at indexes: [UInt64], of person: PersonID) async throws -> [EntryOpening] {
        let own = try await openings(at: indexes, about: person)
        let opened = Set(own.map(\.index))
        let rest = indexes.filter { !opened.contains($0) }
        guard !rest.isEmpty, let key = try await subjectKey(of: person) else { return own }
        var forgotten: [EntryOpening] = []
        for opening in try await openings(at: rest, about: nil) where opening.privatePart.parties == nil {
            guard let row = try await logEntries(LogQuery(start: opening.index, limit: 1)).first, row.index == opening.index,
                case .v2(let entry)? = try? LogLeaf(leafBytes: row.leaf), entry.subject == key.tag(at: entry.index)
            else { continue }
            forgotten.append(opening)
        }
        return (own + forgotten).sorted { $0.index < $1.index }
    }
}

extension OpenedEntry {
    /// `rows` opened by the openings `store` holds for them (only `person`'s, when given).
    public static func open(_ rows: [StoredEntry], store: any OpeningStore, about person: PersonID? = nil) async throws -> [OpenedEntry] {
        let leaves = try rows.map { row in
            do throws(DomainError) { return try LogLeaf(leafBytes: row.leaf) } catch { throw StoreFailure.corrupt("entry \(row.index): \(error)") }
        }
        let wanted = zip(rows, leaves).compactMap { row, leaf in if case .v2 = leaf { row.index } else { nil } }
        let openings = wanted.isEmpty ? [:] : Dictionary(
            try await store.openings(at: wanted, about: person).map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first }
        )
        return try zip(rows, leaves).map { row, leaf in
            let opening = openings[row.index]
            do throws(DomainError) {
                return OpenedEntry(index: row.index, leaf: row.leaf, entry: try leaf.audited(opening: opening), opening: opening)
            } catch {
                throw StoreFailure.corrupt("entry \(row.index): its stored opening does not open it: \(error)")
            }
        }
    }
}

extension EntryOpening {
    /// The columns a store keeps an opening in: the entry's type (to read the private part back),
    /// the parties it names (to filter and to forget by), the salt and the canonical private part.
    public struct Row: Sendable {
        public let index: UInt64
        public let type: String
        public let consentId: String?
        public let personId: String?
        public let bankOrg: String?
        public let salt: [UInt8]
        public let privateJSON: [UInt8]
    }

    public func row() throws -> Row {
        let parties = privatePart.parties
        return Row(
            index: index, type: privatePart.event.type.rawValue, consentId: parties?.consentId.description, personId: parties?.personId.digits,
            bankOrg: parties?.bankOrg.digits, salt: salt.bytes, privateJSON: try canonicalPrivateBytes()
        )
    }

    /// Reads an opening back from its stored columns; a row no opening could have written is `corrupt`.
    public init(index: UInt64, type: String, salt: [UInt8], privateJSON: [UInt8]) throws(StoreFailure) {
        do {
            guard let entryType = AuditEntry.EntryType(rawValue: type) else { throw DomainError.invalid("opening.type", "is not a known entry type") }
            // What the broker stored it writes canonically: read in one pass, and served as it is.
            if let salt = try? EntrySalt(bytes: salt), let scanned = EntryOpening.scanned(index: index, type: entryType, salt: salt, privateJSON: privateJSON) {
                self = scanned
                return
            }
            guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(privateJSON)) else {
                throw DomainError.invalid("opening.private", "is not JSON")
            }
            self.init(index: index, salt: try EntrySalt(bytes: salt), privatePart: try PrivateEntryPart(json: json, type: entryType))
        } catch {
            throw .corrupt("the opening of entry \(index) cannot be read: \(error)")
        }
    }
}
