import SamtykkeCore

/// A C2SP entry bundle (`tlog-tiles`) written one stored leaf at a time: each leaf's length as two
/// big-endian bytes, then the leaf. The stores write the leaves into it straight from their rows,
/// so that a bundle of 256 entries, of which an audit reads thousands, is one buffer instead of an
/// array per entry.
public struct EntryBundleWriter: Sendable {
    /// The index of the bundle's first entry.
    public let first: UInt64
    public private(set) var bytes: [UInt8] = []
    /// Entries written.
    public private(set) var count = 0
    /// Whether every entry written is a v2 public entry, which names nobody (SPEC §4).
    public private(set) var holdsOnlyPublicEntries = true

    public init(first: UInt64, expecting entries: Int) {
        self.first = first
        bytes.reserveCapacity(entries * 440)
    }

    /// The stored leaf of entry `index`, which must be the next one: a gap in the stored indexes,
    /// or a leaf longer than a bundle can say, is `corrupt`.
    public mutating func appendStored(index: Int64, leaf: UnsafeRawBufferPointer) throws(StoreFailure) {
        guard index >= 0, UInt64(index) == first + UInt64(count) else { throw .corrupt("entry \(first + UInt64(count)) is missing") }
        // `BatchPlan` never writes a longer entry; one here came from outside the product.
        guard let length = UInt16(exactly: leaf.count) else { throw .corrupt("entry \(index) is longer than an entry bundle can hold") }
        bytes.append(UInt8(length >> 8))
        bytes.append(UInt8(length & 0xFF))
        bytes += leaf
        if holdsOnlyPublicEntries, !Self.isPublic(leaf) { holdsOnlyPublicEntries = false }
        count += 1
    }

    /// Whether a stored leaf is a v2 public entry. Canonical JSON sorts members by name, so a v2
    /// entry starts with its `commitment` and a v1 entry with its `actor`; anything else is
    /// treated as naming people.
    public static func isPublic(_ leaf: some Collection<UInt8>) -> Bool {
        leaf.starts(with: publicLeafStart)
    }

    private static let publicLeafStart = Array(#"{"commitment":""#.utf8)
}
