import TransparencyLog

/// Roots and proofs in one round trip: the Merkle maths runs once against a source that only notes
/// which perfect subtrees it asks for (which depends on sizes and indexes, never on hashes), those
/// are fetched in one query, and the maths runs again over them.
public enum PrefetchedSubtrees {
    public static func compute<T>(
        _ body: (any SubtreeHashSource) throws -> T,
        fetch: ([SubtreeCoordinate]) throws -> [SubtreeCoordinate: Hash]
    ) throws -> T {
        let plan = Planner()
        _ = try body(plan)
        return try body(Prefetched(hashes: try fetch(plan.wanted)))
    }

    public static func compute<T>(
        _ body: (any SubtreeHashSource) throws -> T,
        fetch: ([SubtreeCoordinate]) async throws -> [SubtreeCoordinate: Hash]
    ) async throws -> T {
        let plan = Planner()
        _ = try body(plan)
        return try body(Prefetched(hashes: try await fetch(plan.wanted)))
    }

    private final class Planner: SubtreeHashSource {
        private(set) var wanted: [SubtreeCoordinate] = []
        private var seen: Set<SubtreeCoordinate> = []
        private static let placeholder = Hash(bytes: [UInt8](repeating: 0, count: 32))!

        func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
            let coordinate = SubtreeCoordinate(level: level, index: index)
            if seen.insert(coordinate).inserted { wanted.append(coordinate) }
            return Self.placeholder
        }
    }

    private struct Prefetched: SubtreeHashSource {
        let hashes: [SubtreeCoordinate: Hash]

        func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
            guard let hash = hashes[SubtreeCoordinate(level: level, index: index)] else {
                throw StoreFailure.corrupt("the Merkle node at level \(level), index \(index) is missing")
            }
            return hash
        }
    }
}
