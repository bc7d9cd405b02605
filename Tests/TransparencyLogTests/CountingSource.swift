import TransparencyLog

/// Counts reads, standing in for the storage layer's one SQL query per read.
final class CountingSource: SubtreeHashSource {
    let store: InMemorySubtreeStore
    private(set) var reads = 0

    init(_ store: InMemorySubtreeStore) {
        self.store = store
    }

    func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
        reads += 1
        return try store.perfectSubtreeHash(level: level, index: index)
    }
}
