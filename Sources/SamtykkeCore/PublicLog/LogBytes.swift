/// What a fixed-length binary value of the public log (SPEC §4, entry v2) is called and how long it is.
public protocol LogBytesKind: Sendable {
    /// How the value is named in errors.
    static var name: String { get }
    static var length: Int { get }
}

/// A fixed-length binary value of the public log: a consent tag, a subject key or tag, a salt, a
/// commitment. Every one of them travels as base64url without padding, of exactly one spelling.
///
/// The bytes are kept inline (at most 32) rather than in an array: a verifier reads three of
/// these from every entry of a log of millions, and compares and hashes them, and an allocation
/// each was a large part of what that cost.
public struct LogBytes<Kind: LogBytesKind>: Sendable, Hashable, CustomStringConvertible {
    /// The bytes, zero after `Kind.length`.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0.prefix(Kind.length)) }
    }

    /// The bytes where they lie, without an array.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words) { try body(UnsafeRawBufferPointer(rebasing: $0[..<Kind.length])) }
    }

    public init(bytes: [UInt8]) throws(DomainError) {
        guard bytes.count == Kind.length else { throw .invalid(Kind.name, "is \(bytes.count) bytes, not \(Kind.length)") }
        precondition(bytes.count <= 32, "log bytes are kept inline, at most 32")
        withUnsafeMutableBytes(of: &words) { words in bytes.withUnsafeBytes { words.copyMemory(from: $0) } }
    }

    /// Reads the base64url form, naming `field` when it is not one.
    public init(base64URL text: String, field: String) throws(DomainError) {
        var text = text
        guard let value = text.withUTF8({ Self(base64URL: UnsafeRawBufferPointer($0)) }) else {
            throw .invalid(field, "is not \(Kind.length) bytes of base64url without padding")
        }
        self = value
    }

    /// Reads the base64url form from UTF-8 bytes where they lie; nil when it is not exactly one.
    public init?(base64URL text: UnsafeRawBufferPointer) {
        let length = Kind.length
        guard text.count == (length * 8 + 5) / 6 else { return nil }
        let decoded = withUnsafeMutableBytes(of: &words) { words in
            Base64URL.decode(text, into: UnsafeMutableRawBufferPointer(rebasing: words[..<length]))
        }
        guard decoded else { return nil }
    }

    /// The first `Kind.length` bytes of `raw`, which holds at least that many (a digest).
    init(prefixOf raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= Kind.length, "a \(Kind.name) needs \(Kind.length) bytes")
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[..<Kind.length])) }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    /// Only the words that hold bytes: the rest are zero for every value of a 16-byte kind, and a
    /// verifier hashes a consent tag for every entry it checks.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        if Kind.length > 16 {
            hasher.combine(words.2)
            hasher.combine(words.3)
        }
    }

    /// Fresh bytes from the system's random source.
    public static func random() -> Self {
        var value = Self()
        withUnsafeMutableBytes(of: &value.words) { RandomBytes.fill(UnsafeMutableRawBufferPointer(rebasing: $0[..<Kind.length])) }
        return value
    }

    private init() {}

    /// The base64url form, as the log and the API write it.
    public var description: String { withUnsafeBytes(of: words) { Base64URL.encode($0.prefix(Kind.length)) } }
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
