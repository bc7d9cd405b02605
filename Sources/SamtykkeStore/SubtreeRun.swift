import TransparencyLog

/// The hashes of consecutive perfect subtrees at one level, as a backend reads them in index order:
/// a hash tile. What a complete run is (every node, in order, 32 bytes each) is the log's rule, so it
/// is written here once; each backend only reads the rows.
public struct SubtreeRun: Sendable {
    public let level: Int
    public let first: UInt64
    public let count: Int
    private var hashes: [Hash] = []

    public init(level: Int, first: UInt64, count: Int) {
        self.level = level
        self.first = first
        self.count = max(0, count)
        hashes.reserveCapacity(self.count)
    }

    /// The indexes to read, from and before, as the stores' signed 64-bit columns hold them: a run
    /// reaching past the largest index is cut there, and `complete` then finds it short.
    public var indexes: (from: Int64, to: Int64) {
        let (end, overflow) = first.addingReportingOverflow(UInt64(count))
        return (Int64(clamping: first), overflow ? .max : Int64(clamping: end))
    }

    /// The next row read. A node out of its place means one before it is missing.
    public mutating func take(index: Int64, hash bytes: some Collection<UInt8>) throws(StoreFailure) {
        let expected = first + UInt64(hashes.count)
        guard hashes.count < count, index >= 0, UInt64(index) == expected else { throw .missingNode(level: level, index: expected) }
        guard let hash = Hash(bytes: bytes) else { throw .corrupt("the Merkle node at level \(level), index \(index) is not 32 bytes") }
        hashes.append(hash)
    }

    /// The run's hashes, in order: a tile served short would be a tile of another tree.
    public func complete() throws(StoreFailure) -> [Hash] {
        guard hashes.count == count else { throw .missingNode(level: level, index: first + UInt64(hashes.count)) }
        return hashes
    }
}
