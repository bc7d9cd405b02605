import SamtykkeCore
import TransparencyLog

/// `audit verify`'s fast pass: the log read as C2SP entry bundles, each checked and hashed on
/// whichever core is free while the next ones are fetched, and folded into the tree in order.
///
/// It proves a log but does not explain one: a bundle that is not what the signed tree needs is
/// thrown as a `BundleFault`, the one at the lowest index, and `LogAuditor` then reads the entry
/// pages, which name the entry at fault from the indexes the entries were filed under.
struct BundledPass<Source: LogSource>: Sendable {
    let source: Source
    let size: UInt64
    /// Bundles fetched or hashed at once, folded or not: enough to keep every core and the
    /// connection busy, few enough that memory stays a handful of bundles.
    let window: Int

    /// One bundle's leaves, hashed: a full bundle is a perfect subtree of 256 leaves and is folded
    /// into the tree as its root; only the last bundle of a log can be partial. With them, the v2
    /// entries among its leaves, in order, for the public invariants.
    private struct HashedBundle: Sendable {
        enum Leaves: Sendable {
            case full(Hash)
            case partial([Hash])
        }

        let leaves: Leaves
        let publicEntries: [PublicEntry]
    }

    /// What the pass found: the root of the entries, and the public invariants over their v2 ones.
    struct Outcome: Sendable {
        let root: Hash
        let invariants: InvariantCheck
    }

    private typealias Finished = (bundle: UInt64, result: Result<HashedBundle, any Error>)

    private static var width: UInt64 { UInt64(TilePath.fullWidth) }

    /// MTH of the first `size` entries, and their public invariants. `progress` gets the number of
    /// entries folded so far.
    func run(progress: (UInt64) -> Void) async throws -> Outcome {
        let bundles = (size + Self.width - 1) / Self.width
        var tree = MerkleTreeBuilder()
        var invariants = InvariantCheck()
        try await withThrowingTaskGroup(of: Finished.self) { group in
            var started: UInt64 = 0
            // Bundles finish in any order; each waits here until those before it are folded, so
            // what is thrown is the fault at the lowest index.
            var finished: [UInt64: Result<HashedBundle, any Error>] = [:]
            while tree.size < size {
                while started < bundles, started - tree.size / Self.width < UInt64(window) {
                    let bundle = started
                    group.addTask { await hashed(bundle) }
                    started += 1
                }
                guard let (bundle, result) = try await group.next() else { break }
                finished[bundle] = result
                while let ready = finished.removeValue(forKey: tree.size / Self.width) {
                    let hashed = try ready.get()
                    switch hashed.leaves {
                    case .full(let root): tree.append(subtreeHash: root, height: 8)
                    case .partial(let leaves): for leaf in leaves { tree.append(subtreeHash: leaf, height: 0) }
                    }
                    for entry in hashed.publicEntries { invariants.take(entry) }
                    progress(tree.size)
                }
            }
        }
        return Outcome(root: tree.root(), invariants: invariants)
    }

    private func hashed(_ bundle: UInt64) async -> Finished {
        do {
            return (bundle, .success(try await hash(bundle)))
        } catch {
            return (bundle, .failure(error))
        }
    }

    private func hash(_ bundle: UInt64) async throws -> HashedBundle {
        let first = bundle * Self.width
        let count = Int(min(Self.width, size - first))
        guard let tile = TilePath(index: bundle, width: count) else { preconditionFailure("a bundle holds 1...256 entries") }
        let bytes = try await source.entryBundle(tile)
        return try bytes.withUnsafeBytes { bytes in
            guard let entries = EntryBundle.entries(in: bytes, count: count) else {
                throw BundleFault(index: first, reason: "the bundle of entries from \(first) is not \(count) length-prefixed entries")
            }
            let isFull = count == TilePath.fullWidth
            var subtree = MerkleTreeBuilder()
            var leaves: [Hash] = []
            var publicEntries: [PublicEntry] = []
            if !isFull { leaves.reserveCapacity(count) }
            for (offset, range) in entries.enumerated() {
                let checked: LeafCheck.Checked
                do throws(LogVerificationFailure) {
                    checked = try LeafCheck.check(UnsafeRawBufferPointer(rebasing: bytes[range]), at: first + UInt64(offset))
                } catch {
                    throw BundleFault(index: error.firstBadIndex, reason: error.description)
                }
                if isFull { subtree.append(subtreeHash: checked.hash, height: 0) } else { leaves.append(checked.hash) }
                if let entry = checked.publicEntry { publicEntries.append(entry) }
            }
            return HashedBundle(leaves: isFull ? .full(subtree.root()) : .partial(leaves), publicEntries: publicEntries)
        }
    }
}

/// Entry bundles that were served but are not what the signed tree needs.
struct BundleFault: Error, CustomStringConvertible {
    /// The first entry they got wrong, when one can be named.
    let index: UInt64?
    let reason: String

    var description: String { reason }
}
