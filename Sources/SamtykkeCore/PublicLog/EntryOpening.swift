import CanonicalJSON
import Foundation

/// What opens a v2 entry's commitment (SPEC §4): the entry's index, its salt and its private part.
/// Deleting the openings of a consent's entries is how retention forgets it.
public struct EntryOpening: Sendable, Hashable {
    public let index: UInt64
    public let salt: EntrySalt
    public let privatePart: PrivateEntryPart

    /// The canonical bytes of `privatePart` when they were read as such (`LeafScanner`), so that a
    /// verifier hashes them as they came instead of writing them again; a function of the
    /// private part, so not part of the opening's value.
    private let canonicalPrivate: [UInt8]?

    public init(index: UInt64, salt: EntrySalt, privatePart: PrivateEntryPart) {
        self.index = index
        self.salt = salt
        self.privatePart = privatePart
        canonicalPrivate = nil
    }

    /// `privatePart` with `canonicalPrivate`, bytes it was scanned from and certainly their canonical form.
    init(index: UInt64, salt: EntrySalt, privatePart: PrivateEntryPart, canonicalPrivate: [UInt8]) {
        self.index = index
        self.salt = salt
        self.privatePart = privatePart
        self.canonicalPrivate = canonicalPrivate
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.index == b.index && a.salt == b.salt && a.privatePart == b.privatePart
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(index)
        hasher.combine(salt)
        hasher.combine(privatePart)
    }

    /// The RFC 8785 bytes of the private part, which the commitment hashes.
    public func canonicalPrivateBytes() throws -> [UInt8] {
        try canonicalPrivate ?? privatePart.canonicalBytes()
    }

    /// The commitment a public entry opened by this must carry.
    public func commitment() throws -> EntryCommitment {
        EntryCommitment(salt: salt, privateBytes: try canonicalPrivateBytes())
    }

    /// An opening of an entry of `type` stored as its columns (`Row`): read in one pass when the
    /// private part's bytes are certainly canonical and of that type, else nil.
    public static func scanned(index: UInt64, type: AuditEntry.EntryType, salt: EntrySalt, privateJSON: [UInt8]) -> EntryOpening? {
        guard let part = privateJSON.withUnsafeBytes({ LeafScanner.privatePart(of: $0) }), part.event.type == type else { return nil }
        return EntryOpening(index: index, salt: salt, privatePart: part, canonicalPrivate: privateJSON)
    }

    /// `{index, salt, private}` as the API hands it out.
    public var json: JSONValue {
        .object(["index": .number(Double(index)), "salt": .string(salt.description), "private": privatePart.json])
    }

    /// Reads an opening of an entry of `type` (the public entry says which), naming the member at fault.
    public init(json: JSONValue, type: AuditEntry.EntryType) throws(DomainError) {
        guard case .object(let o) = json, o.count == 3 else { throw .invalid("opening", "is not {index, salt, private}") }
        guard case .number(let i)? = o["index"], let index = UInt64(exactly: i) else {
            throw .invalid("opening.index", "is not a non-negative integer")
        }
        guard case .string(let salt)? = o["salt"] else { throw .invalid("opening.salt", "is missing or not a string") }
        guard let privatePart = o["private"] else { throw .invalid("opening.private", "is missing") }
        self.init(
            index: index, salt: try EntrySalt(base64URL: salt, field: "opening.salt"),
            privatePart: try PrivateEntryPart(json: privatePart, type: type)
        )
    }
}
