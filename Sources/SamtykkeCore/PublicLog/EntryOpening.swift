import CanonicalJSON
import Foundation

/// What opens a v2 entry's commitment (SPEC §4): the entry's index, its salt and its private part.
/// Deleting the openings of a consent's entries is how retention forgets it.
public struct EntryOpening: Sendable, Hashable {
    public let index: UInt64
    public let salt: EntrySalt
    public let privatePart: PrivateEntryPart

    public init(index: UInt64, salt: EntrySalt, privatePart: PrivateEntryPart) {
        self.index = index
        self.salt = salt
        self.privatePart = privatePart
    }

    /// The commitment a public entry opened by this must carry.
    public func commitment() throws -> EntryCommitment {
        EntryCommitment(salt: salt, privateBytes: try privatePart.canonicalBytes())
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
