import CanonicalJSON
import Crypto
import Foundation
import Synchronization
import LogVerification
import SamtykkeCore
import TransparencyLog

/// A log held in memory that behaves like the broker's: entries served from one list, proofs and
/// the signed checkpoint from the Merkle nodes stored when the entries were appended.
///
/// Tampering with `served` afterwards leaves those nodes stale, as editing the database's entry
/// rows does: the signature still covers the true root, so recomputing from entries disagrees.
struct InMemoryLog: LogSource {
    static let origin = "samtykke.test/log"

    let signer: NoteSigner
    var served: [ServedEntry] = []
    /// Leaves the entry bundles serve in place of the rows', as a broker serving its tiles from
    /// somewhere else than its entries would.
    var bundled: [UInt64: [UInt8]] = [:]
    /// Bytes after the last entry of every bundle, which no bundle may have.
    var bundleTail: [UInt8] = []
    /// False for a log that serves no entry bundles at all.
    var servesBundles = true
    /// Tiles whose bundles take a while, so later ones arrive first.
    var slowBundles: Set<UInt64> = []
    /// Tiles whose bundles are kept to auditors, as a broker keeps those holding a v1 entry.
    var withheldBundles: Set<UInt64> = []
    /// The openings of v2 entries, and the subject key each was made with (auditors get both).
    var openings: [UInt64: ServedOpening] = [:]
    /// What was asked of the log, shared by its copies.
    let reads = Reads()
    private(set) var store = InMemorySubtreeStore()
    private(set) var signedNote: String

    /// Entries carry `note` in their details; logs with another note are forks of each other.
    let note: String

    init(size: Int, signer: NoteSigner = Self.newSigner(), note: String = "abcdef") throws {
        self.signer = signer
        self.note = note
        signedNote = try signer.sign(Checkpoint(origin: Self.origin, size: 0, rootHash: MerkleHasher.emptyRoot).body)
        try append(size)
    }

    static func newSigner() -> NoteSigner {
        try! NoteSigner(name: origin, privateKey: Curve25519.Signing.PrivateKey())
    }

    var logKey: String { signer.verifierKey }

    /// Appends `count` entries and signs a checkpoint for the new size.
    mutating func append(_ count: Int) throws {
        try append(leaves: (0..<UInt64(count)).map { try Self.entry(index: store.size + $0, note: note) })
    }

    /// Appends `leaves` as they are and signs a checkpoint for the new size, as a broker signs
    /// whatever its entry table holds.
    mutating func append(leaves: [[UInt8]]) throws {
        for leaf in leaves {
            served.append(ServedEntry(index: store.size, leaf: leaf))
            store.append(leafHash: MerkleHasher.leafHash(leaf))
        }
        signedNote = try signer.sign(Checkpoint(origin: Self.origin, size: store.size, rootHash: MerkleTree.root(size: store.size, source: store)).body)
    }

    var size: UInt64 { store.size }

    /// A canonical entry; a letter of `details.reason` can change without breaking the canonical form.
    static func entry(index: UInt64, note: String) throws -> [UInt8] {
        try AuditEntry(
            index: index,
            time: Date(timeIntervalSince1970: 1_760_000_000 + Double(index)),
            actor: .system,
            consentId: ConsentID(UUID(uuidString: "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b")!),
            personId: try PersonID("14830351257"),
            bankOrg: try OrgNumber("986352325"),
            event: .bundleRefused(reason: note)
        ).leafBytes()
    }

    func signedCheckpoint() async throws -> String { signedNote }

    func entries(start: UInt64, limit: Int) async throws -> [ServedEntry] {
        reads.count(\.pages)
        return Array(served.lazy.filter { $0.index >= start }.prefix(limit))
    }

    /// Written from C2SP tlog-tiles, and as the broker does it: the rows of the tile's indexes, or
    /// an error when one of them is not there.
    func entryBundle(_ tile: TilePath) async throws -> [UInt8] {
        reads.count(\.bundles)
        guard servesBundles else { throw MissingRows(tile: tile) }
        if withheldBundles.contains(tile.index) { throw EntriesWithheld() }
        if slowBundles.contains(tile.index) { try await Task.sleep(for: .milliseconds(200)) }
        let first = tile.index * UInt64(TilePath.fullWidth)
        let rows = served.filter { $0.index >= first }.prefix(tile.width)
        guard rows.map(\.index) == Array(first..<first + UInt64(tile.width)) else { throw MissingRows(tile: tile) }
        var bundle: [UInt8] = []
        for row in rows {
            let leaf = bundled[row.index] ?? row.leaf
            bundle += [UInt8(leaf.count >> 8), UInt8(leaf.count & 0xFF)] + leaf
        }
        return bundle + bundleTail
    }

    /// The level-0 hash tile, from the nodes stored when the entries were appended.
    func leafHashes(_ tile: TilePath) async throws -> [Hash] {
        let first = tile.index * UInt64(TilePath.fullWidth)
        return try (first..<first + UInt64(tile.width)).map { try store.perfectSubtreeHash(level: 0, index: $0) }
    }

    struct MissingRows: Error {
        let tile: TilePath
    }

    final class Reads: Sendable {
        struct Counts {
            var pages = 0
            var bundles = 0
        }

        private let counts = Mutex(Counts())

        var pages: Int { counts.withLock { $0.pages } }
        var bundles: Int { counts.withLock { $0.bundles } }

        func count(_ kind: WritableKeyPath<Counts, Int>) {
            counts.withLock { $0[keyPath: kind] += 1 }
        }
    }

    func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] {
        try MerkleTree.inclusionProof(index: index, size: treeSize, source: store)
    }

    func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] {
        try MerkleTree.consistencyProof(from: from, to: to, source: store)
    }

    // MARK: Tampering, as someone with write access to the database would

    /// Changes the first letter of the reason in entry `index`: still canonical JSON, still its own index.
    mutating func changeByte(of index: Int) {
        var leaf = served[index].leaf
        let marker = Array("\"reason\":\"".utf8)
        let at = (0...(leaf.count - marker.count)).first { Array(leaf[$0..<$0 + marker.count]) == marker }! + marker.count
        leaf[at] = leaf[at] == UInt8(ascii: "z") ? UInt8(ascii: "y") : UInt8(ascii: "z")
        served[index] = ServedEntry(index: served[index].index, leaf: leaf)
    }

    /// Swaps the leaves of two rows; each row keeps its index.
    mutating func swapLeaves(_ first: Int, _ second: Int) {
        let leaf = served[first].leaf
        served[first] = ServedEntry(index: served[first].index, leaf: served[second].leaf)
        served[second] = ServedEntry(index: served[second].index, leaf: leaf)
    }
}
