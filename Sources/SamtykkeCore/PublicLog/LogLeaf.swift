/// A leaf of the consent log as either version writes it: the log is one tree, v1 entries first
/// (each names its parties in clear), v2 entries after the upgrade (SPEC §4).
public enum LogLeaf: Sendable, Hashable {
    case v1(AuditEntry)
    case v2(PublicEntry)

    /// Reads a leaf of either version, as its `v` says, each strictly canonical.
    public init(leafBytes: [UInt8]) throws(DomainError) {
        let object = try AuditEntry.object(ofLeaf: leafBytes)
        switch object["v"] {
        case .number(Double(AuditEntry.version)): self = .v1(try AuditEntry(object: object, leafBytes: leafBytes))
        case .number(Double(PublicEntry.version)): self = .v2(try PublicEntry(object: object, leafBytes: leafBytes))
        default: throw .invalid("entry.v", "is not version \(AuditEntry.version) or \(PublicEntry.version)")
        }
    }

    public var index: UInt64 {
        switch self {
        case .v1(let entry): entry.index
        case .v2(let entry): entry.index
        }
    }

    public var type: AuditEntry.EntryType {
        switch self {
        case .v1(let entry): entry.type
        case .v2(let entry): entry.type
        }
    }
}

extension LogLeaf {
    /// The index `leaf` states, provided it is a canonical entry of either version: exactly what
    /// `init(leafBytes:)` accepts, for a verifier that reads millions of leaves and needs only their
    /// indexes.
    ///
    /// The leaves the broker writes are checked in one pass over their bytes (`LeafScanner`); only
    /// a leaf that pass cannot vouch for is parsed in full, which also names what is wrong with it.
    public static func index(ofLeaf leaf: UnsafeRawBufferPointer) throws(DomainError) -> UInt64 {
        if let index = LeafScanner.index(of: leaf) { return index }
        return try LogLeaf(leafBytes: Array(leaf)).index
    }
}

extension LogLeaf {
    /// The leaf exactly as `init(leafBytes:)` reads it: the v2 leaves the broker writes in one pass
    /// over their bytes (`LeafScanner`), any other in full, which also names what is wrong with it.
    /// For readers on the release path, which read every new entry of the log.
    public static func scanned(_ leaf: [UInt8]) throws(DomainError) -> LogLeaf {
        if let entry = leaf.withUnsafeBytes({ LeafScanner.publicEntry(of: $0) }) { return .v2(entry) }
        return try LogLeaf(leafBytes: leaf)
    }
}

extension PublicEntry {
    /// The v2 entry `leaf` is, exactly as `init(leafBytes:)` reads it, for a verifier that reads
    /// millions: the leaves the broker writes in one pass over their bytes (`LeafScanner`), any
    /// other in full, which also names what is wrong with it.
    public static func scanned(_ leaf: UnsafeRawBufferPointer) throws(DomainError) -> PublicEntry {
        if let entry = LeafScanner.publicEntry(of: leaf) { return entry }
        return try PublicEntry(leafBytes: Array(leaf))
    }
}
