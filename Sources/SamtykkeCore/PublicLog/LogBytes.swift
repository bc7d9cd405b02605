/// What a fixed-length binary value of the public log (SPEC §4, entry v2) is called and how long it is.
public protocol LogBytesKind: Sendable {
    /// How the value is named in errors.
    static var name: String { get }
    static var length: Int { get }
}

/// A fixed-length binary value of the public log: a consent tag, a subject key or tag, a salt, a
/// commitment. Every one of them travels as base64url without padding, of exactly one spelling.
public struct LogBytes<Kind: LogBytesKind>: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(DomainError) {
        guard bytes.count == Kind.length else { throw .invalid(Kind.name, "is \(bytes.count) bytes, not \(Kind.length)") }
        self.bytes = bytes
    }

    /// Reads the base64url form, naming `field` when it is not one.
    public init(base64URL text: String, field: String) throws(DomainError) {
        guard let bytes = Base64URL.decode(text), bytes.count == Kind.length else {
            throw .invalid(field, "is not \(Kind.length) bytes of base64url without padding")
        }
        self.bytes = bytes
    }

    /// Fresh bytes from the system's random source (getrandom(2)).
    public static func random() -> Self {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<Kind.length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        // The length is the kind's own, so this cannot fail.
        return try! Self(bytes: bytes)
    }

    /// The base64url form, as the log and the API write it.
    public var description: String { Base64URL.encode(bytes) }
}

public enum ConsentTagKind: LogBytesKind {
    public static let name = "consent tag"
    public static let length = 16
}

public enum SubjectKeyKind: LogBytesKind {
    public static let name = "subject key"
    public static let length = 32
}

public enum SubjectTagKind: LogBytesKind {
    public static let name = "subject tag"
    public static let length = 16
}

public enum EntrySaltKind: LogBytesKind {
    public static let name = "salt"
    public static let length = 32
}

public enum EntryCommitmentKind: LogBytesKind {
    public static let name = "commitment"
    public static let length = 32
}

/// The consent's public tag: drawn when the consent is requested, the same on all its entries.
public typealias ConsentTag = LogBytes<ConsentTagKind>
/// A person's key for their subject tags, drawn at their first entry; deleting it makes their
/// entries unlinkable to them.
public typealias SubjectKey = LogBytes<SubjectKeyKind>
/// Who an entry is about, recognisable only with that person's subject key.
public typealias SubjectTag = LogBytes<SubjectTagKind>
/// The random half of an entry's commitment, drawn for that entry alone.
public typealias EntrySalt = LogBytes<EntrySaltKind>
/// The public entry's binding to its private part.
public typealias EntryCommitment = LogBytes<EntryCommitmentKind>
