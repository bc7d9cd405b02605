import CanonicalJSON
import SamtykkeCore
import TransparencyLog

/// `audit verify`'s fast pass, and the citizen's scan: the log read as C2SP entry bundles, each
/// checked and hashed on whichever core is free while the next ones are fetched, and folded into the
/// tree in order.
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
    /// The tree verified before (a citizen's earlier run): the pass reads only the entries after it.
    var start = MerkleTreeBuilder()
    /// With an auditor's openings every v2 entry is opened and checked and every v1 entry read in full.
    var openings: (any AuditorOpeningSource)?
    /// With a citizen's subject key the entries tagged with it are picked out.
    var subjectKey: SubjectKey?
    /// The tags of the citizen's consents found on earlier runs.
    var knownTags: Set<ConsentTag> = []
    /// A size whose root the pass also keeps: the tree trusted from an earlier run, which a
    /// verifier without consistency proofs (auditors only) compares with it instead.
    var snapshotAt: UInt64?

    /// One bundle's leaves, hashed: a full bundle is a perfect subtree of 256 leaves and is folded
    /// into the tree as its root; the last bundle of a log, and the first after `start`, may be
    /// partial. With them what the entries say, in order, for the checks that follow the tree.
    private struct HashedBundle: Sendable {
        enum Leaves: Sendable {
            case full(Hash)
            case partial([Hash])
        }

        var leaves: Leaves
        var publicEntries: [PublicEntry] = []
        /// Entries the log keeps to auditors, whose leaf hashes came from the public hash tile.
        var withheld = 0
        var opened: [OpenedCheck.Fact] = []
        /// Indexes of the entries tagged with `subjectKey`.
        var mine: Set<UInt64> = []
    }

    /// What the pass found: the root of the entries and what the checks made of them.
    struct Outcome: Sendable {
        let tree: MerkleTreeBuilder
        let invariants: InvariantCheck
        let withheld: UInt64
        let opened: OpenedCheck
        let scan: SubjectScan
        /// The root of the first `snapshotAt` entries.
        let snapshot: Hash?
    }

    private typealias Finished = (bundle: UInt64, result: Result<HashedBundle, any Error>)

    private static var width: UInt64 { UInt64(TilePath.fullWidth) }

    /// MTH of the first `size` entries, and the checks over the entries read. `progress` gets the
    /// number of entries folded so far.
    func run(progress: (UInt64) -> Void) async throws -> Outcome {
        let bundles = (size + Self.width - 1) / Self.width
        var tree = start
        var invariants = InvariantCheck()
        var opened = OpenedCheck()
        var scan = SubjectScan(myTags: knownTags)
        var withheld: UInt64 = 0
        var snapshot: Hash? = snapshotAt == tree.size ? tree.root() : nil
        let pages = openings.map { OpeningPages(source: $0, size: size) }
        try await withThrowingTaskGroup(of: Finished.self) { group in
            var started = tree.size / Self.width
            // Bundles finish in any order; each waits here until those before it are folded, so
            // what is thrown is the fault at the lowest index.
            var finished: [UInt64: Result<HashedBundle, any Error>] = [:]
            while tree.size < size {
                while started < bundles, started - tree.size / Self.width < UInt64(window) {
                    let bundle = started
                    group.addTask { await hashed(bundle, openings: pages) }
                    started += 1
                }
                guard let (bundle, result) = try await group.next() else { break }
                finished[bundle] = result
                while let ready = finished.removeValue(forKey: tree.size / Self.width) {
                    let hashed = try ready.get()
                    switch hashed.leaves {
                    case .full(let root): tree.append(subtreeHash: root, height: 8)
                    case .partial(let leaves):
                        for leaf in leaves {
                            tree.append(subtreeHash: leaf, height: 0)
                            if tree.size == snapshotAt { snapshot = tree.root() }
                        }
                    }
                    if tree.size == snapshotAt { snapshot = tree.root() }
                    withheld += UInt64(hashed.withheld)
                    if withheld > 0 { invariants.afterWithheldEntries() }
                    for entry in hashed.publicEntries {
                        invariants.take(entry)
                        if subjectKey != nil { scan.take(entry, isMine: hashed.mine.contains(entry.index)) }
                    }
                    for fact in hashed.opened { opened.take(fact) }
                    progress(tree.size)
                }
            }
        }
        return Outcome(tree: tree, invariants: invariants, withheld: withheld, opened: opened, scan: scan, snapshot: snapshot)
    }

    private func hashed(_ bundle: UInt64, openings pages: OpeningPages?) async -> Finished {
        do {
            return (bundle, .success(try await hash(bundle, openings: pages)))
        } catch {
            return (bundle, .failure(error))
        }
    }

    private func hash(_ bundle: UInt64, openings pages: OpeningPages?) async throws -> HashedBundle {
        let first = bundle * Self.width
        let count = Int(min(Self.width, size - first))
        // Entries of the first bundle that the tree resumed from already holds.
        let skip = start.size > first ? Int(start.size - first) : 0
        guard let tile = TilePath(index: bundle, width: count) else { preconditionFailure("a bundle holds 1...256 entries") }
        // The openings are asked for while the bundle is read, not after it.
        async let page = pages?.page(holding: bundle)
        let bytes: [UInt8]
        do {
            bytes = try await source.entryBundle(tile)
        } catch is EntriesWithheld {
            return try await withheldBundle(tile, first: first, skip: skip)
        }
        let served = try await page
        return try bytes.withUnsafeBytes { bytes in
            guard let entries = EntryBundle.entries(in: bytes, count: count) else {
                throw BundleFault(index: first, reason: "the bundle of entries from \(first) is not \(count) length-prefixed entries")
            }
            // The bundle holding the snapshot's size is folded leaf by leaf, to stop there.
            let holdsSnapshot = snapshotAt.map { $0 > first && $0 < first + UInt64(count) } ?? false
            let isFull = count == TilePath.fullWidth && skip == 0 && !holdsSnapshot
            var subtree = MerkleTreeBuilder()
            var leaves: [Hash] = []
            var hashed = HashedBundle(leaves: .partial([]))
            if !isFull { leaves.reserveCapacity(count - skip) }
            // Sized once: grown as they fill, the entries and the facts about them were copied again
            // and again (each fact holds a whole opened entry).
            hashed.publicEntries.reserveCapacity(count - skip)
            if served != nil { hashed.opened.reserveCapacity(count - skip) }
            let tagger = subjectKey.map(SubjectTagger.init)
            var taggers = SubjectTaggers()
            // Where in `served` each entry's opening is (the first for its index): a table by offset,
            // not a dictionary of copies, which was a twentieth of an auditor's pass.
            var openingAt = [Int](repeating: -1, count: served == nil ? 0 : count)
            for (position, opening) in (served ?? []).enumerated() where opening.index >= first && opening.index < first + UInt64(count) {
                let offset = Int(opening.index - first)
                if openingAt[offset] < 0 { openingAt[offset] = position }
            }
            for (offset, range) in entries.enumerated().dropFirst(skip) {
                let index = first + UInt64(offset)
                let leaf = UnsafeRawBufferPointer(rebasing: bytes[range])
                let checked: LeafCheck.Checked
                do throws(LogVerificationFailure) {
                    checked = try LeafCheck.check(leaf, at: index)
                } catch {
                    throw BundleFault(index: error.firstBadIndex, reason: error.description)
                }
                if isFull { subtree.append(subtreeHash: checked.hash, height: 0) } else { leaves.append(checked.hash) }
                if let entry = checked.publicEntry {
                    hashed.publicEntries.append(entry)
                    if let tagger, tagger.tag(at: index) == entry.subject { hashed.mine.insert(index) }
                    if let served {
                        let position = openingAt[offset]
                        hashed.opened.append(OpenedCheck.Fact(entry, opening: position < 0 ? nil : served[position], taggers: &taggers))
                    }
                } else if served != nil {
                    hashed.opened.append(OpenedCheck.Fact(v1Leaf: Array(leaf), at: index))
                }
            }
            hashed.leaves = isFull ? .full(subtree.root()) : .partial(leaves)
            return hashed
        }
    }

    /// A bundle the log keeps to auditors, read as its leaf hashes from the public hash tile: the
    /// root still proves them, though nobody without the key can say what they hold.
    private func withheldBundle(_ tile: TilePath, first: UInt64, skip: Int) async throws -> HashedBundle {
        let hashes = try await source.leafHashes(tile)
        guard hashes.count == tile.width else {
            throw BundleFault(index: first, reason: "the hash tile of entries from \(first) holds \(hashes.count) hashes, not \(tile.width)")
        }
        var hashed = HashedBundle(leaves: .partial(Array(hashes.dropFirst(skip))))
        hashed.withheld = tile.width - skip
        return hashed
    }
}

/// Entry bundles that were served but are not what the signed tree needs.
struct BundleFault: Error, CustomStringConvertible {
    /// The first entry they got wrong, when one can be named.
    let index: UInt64?
    let reason: String

    var description: String { reason }
}
