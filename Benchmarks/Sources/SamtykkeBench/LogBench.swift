import CanonicalJSON
import Crypto
import Foundation
import ChildProcess
import TestSupport
import GRDB
import SQLiteStore
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore
import Synchronization
import TransparencyLog

/// The consent log on its own: durable appends through the product's path (`LogSequencer` over
/// `SQLiteStore`, synchronous=FULL), one at a time and 64 at a time with group commit, and roots and
/// proofs as the log grows to 10^4, 10^5 and 10^6 entries. The bulk of each log is written by a
/// bench-only path (big transactions, synchronous=OFF) with the same leaves and Merkle nodes the
/// product writes (`MerkleTreeBuilder.append`); the last appends before each size go through the
/// product, which signs the checkpoint that `samtykke audit verify` later checks.
struct LogBench {
    let settings: Settings
    let databasePath: String
    /// A second database for the group-commit load, so its entries never change the log sizes above.
    let appendsDatabasePath: String
    let logKeyPath: String
    let people: [String]

    static let origin = "samtykke.local/consent-log"

    struct SizeResult: Codable, Sendable {
        var entries: Int
        var bulkSeconds: Double
        var bulkEntriesPerSecond: Double
        var databaseBytes: Int
        /// Appends through the product (consent + entry + Merkle nodes + signed checkpoint, one fsynced
        /// transaction each), one after another.
        var durableAppends: Int
        var durableAppendsPerSecond: Double
        var durableAppendLatency: Latency
        /// Through the product's path: `UpperTreeLevels` over `SQLiteStore` (what the HTTP handlers do).
        var root: ProofTiming
        var inclusion: ProofTiming
        var consistency: ProofTiming
        /// The same computed straight on one read transaction, every node read from SQLite: the Merkle
        /// work and node reads without the upper levels in memory and without the async hop to a
        /// pooled reader that every store read pays.
        var rootDirect: ProofTiming
        var inclusionDirect: ProofTiming
        var consistencyDirect: ProofTiming
        /// The direct timings again on a connection with memory-mapped I/O (`PRAGMA mmap_size`): node
        /// reads without a read() system call and a page copy each.
        var rootMmap: ProofTiming
        var inclusionMmap: ProofTiming
        var consistencyMmap: ProofTiming
        var proofsVerified: Int
    }

    /// Microseconds per call, and what one call reads and returns.
    struct ProofTiming: Codable, Sendable {
        var samples: Int
        var meanMicros: Double
        var p50Micros: Double
        var p99Micros: Double
        var nodeReads: Double
        var hashes: Double
        /// Through the store (what the HTTP handler calls), or straight on one connection.
        var path: String
    }

    /// Durable appends for a fixed time by `concurrency` tasks, each committing one new consent after
    /// another through one `LogSequencer`.
    struct AppendLoad: Codable, Sendable {
        var concurrency: Int
        var seconds: Double
        var committed: Int
        var appendsPerSecond: Double
        var latency: Latency
        /// Transactions, counted as distinct checkpoint sizes in the outcomes (each batch signs one).
        var batches: Int
        var meanBatchSize: Double
    }

    struct Results: Codable, Sendable {
        var sizes: [SizeResult]
        var averageLeafBytes: Double
        var inProcessHashing: HashingResult?
        var oneAtATime: AppendLoad
        var groupCommit: AppendLoad
    }

    /// Rehashing every leaf into a root in this process: what verification costs with no I/O at all.
    struct HashingResult: Codable, Sendable {
        var entries: Int
        var seconds: Double
        var entriesPerSecond: Double
        var leafBytesPerSecond: Double
        var rootMatchesCheckpoint: Bool
    }

    func run(log: (String) -> Void) async throws -> (Results, SQLiteStore, LogSigner) {
        let logKey = try KeyFiles.ed25519(logKeyPath)
        let signer = LogSigner(origin: Self.origin, signer: try NoteSigner(name: Self.origin, privateKey: logKey))
        let store = try SQLiteStore(path: databasePath)
        let sequencer = LogSequencer(store: store, signer: signer)
        let bank = try OrgNumber(BrokerBench.bankOrg)
        _ = try await store.addBank(org: bank, name: "Benchmark Sparebank", now: Date())

        var bulkConfiguration = Configuration()
        bulkConfiguration.busyMode = .timeout(10)
        bulkConfiguration.prepareDatabase { db in
            // Bulk build only: the durable figures come from the product's own connection.
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -1048576")
        }
        let bulk = try DatabaseQueue(path: databasePath, configuration: bulkConfiguration)
        var factory = LeafFactory(bank: bank, people: try people.map { try PersonID($0) })
        var results: [SizeResult] = []

        for target in settings.logSizes {
            var size = Int(try await store.logHead().size)
            let appends = min(settings.durableAppends, target - size)
            let bulkTarget = target - appends
            log("log: bulk-appending \(bulkTarget - size) entries to reach \(bulkTarget)")
            let bulkStart = ContinuousClock.now
            var tree = try await Self.tree(of: store, size: UInt64(size))
            while size < bulkTarget {
                let batchEnd = min(bulkTarget, size + 50_000)
                try Self.bulkAppend(bulk, from: size, to: batchEnd, factory: &factory, tree: &tree)
                size = batchEnd
            }
            // What the bulk build left behind goes to disk now, not into the durable appends timed next:
            // its WAL folded into the database file, and the file's dirty pages synced.
            try await bulk.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            // fsync from another process: closing a descriptor of the database file in this one would
            // drop every POSIX lock SQLite holds on it here, the classic way to corrupt a database.
            _ = try await Command.run("sync", [databasePath])
            let bulkSeconds = (ContinuousClock.now - bulkStart).seconds

            // The last appends before the target size go through the product, one durable
            // transaction each; the last one signs the checkpoint for exactly `target` entries.
            log("log: \(appends) durable appends through LogSequencer over SQLiteStore at \(bulkTarget) entries")
            var appendMillis: [Double] = []
            let appendStart = ContinuousClock.now
            for _ in 0..<appends {
                let t0 = ContinuousClock.now
                try await Self.append(factory.consent(now: Date()), through: sequencer)
                appendMillis.append((ContinuousClock.now - t0).seconds * 1000)
            }
            let appendSeconds = (ContinuousClock.now - appendStart).seconds
            let logSize = try await store.logHead().size
            guard logSize == UInt64(target) else { throw BenchError("the log has \(logSize) entries, expected \(target)") }

            log("log: timing roots and proofs at \(target) entries")
            let timings = try await proofTimings(store: store, size: UInt64(target), verifierKey: signer.verifierKey)
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: databasePath)[.size] as? NSNumber)?.intValue ?? 0)
                + ((try? FileManager.default.attributesOfItem(atPath: databasePath + "-wal")[.size] as? NSNumber)?.intValue ?? 0)
            results.append(SizeResult(
                entries: target,
                bulkSeconds: bulkSeconds,
                bulkEntriesPerSecond: bulkSeconds > 0 ? Double(bulkTarget - (results.last?.entries ?? 0)) / bulkSeconds : 0,
                databaseBytes: bytes,
                durableAppends: appends,
                durableAppendsPerSecond: appendSeconds > 0 ? Double(appends) / appendSeconds : 0,
                durableAppendLatency: Latency(millis: appendMillis),
                root: timings.root, inclusion: timings.inclusion, consistency: timings.consistency,
                rootDirect: timings.rootDirect, inclusionDirect: timings.inclusionDirect, consistencyDirect: timings.consistencyDirect,
                rootMmap: timings.rootMmap, inclusionMmap: timings.inclusionMmap, consistencyMmap: timings.consistencyMmap,
                proofsVerified: timings.verified
            ))
            let last = results.last!
            log(String(format: "  %d entries: %.0f durable appends/s (p99 %.2f ms); root %.1f µs, inclusion %.1f µs, consistency %.1f µs",
                       target, last.durableAppendsPerSecond, last.durableAppendLatency.p99Ms,
                       last.root.meanMicros, last.inclusion.meanMicros, last.consistency.meanMicros))
        }
        let average = try await bulk.read { db in try Double.fetchOne(db, sql: "SELECT AVG(LENGTH(leaf)) FROM auditEntry") ?? 0 }

        let loads = try await groupCommit(signer: signer, bank: bank, consents: factory, log: log)
        return (Results(sizes: results, averageLeafBytes: average, inProcessHashing: nil, oneAtATime: loads[0], groupCommit: loads[1]), store, signer)
    }

    /// Group commit, on its own database: the same product path, first one change at a time, then
    /// 64 concurrent callers whose changes the sequencer batches into shared transactions.
    func groupCommit(signer: LogSigner, bank: OrgNumber, consents: LeafFactory, log: (String) -> Void) async throws -> [AppendLoad] {
        let appendsStore = try SQLiteStore(path: appendsDatabasePath)
        _ = try await appendsStore.addBank(org: bank, name: "Benchmark Sparebank", now: Date())
        let appendsSequencer = LogSequencer(store: appendsStore, signer: signer)
        var loads: [AppendLoad] = []
        for concurrency in [1, 64] {
            log("log: durable appends at concurrency \(concurrency) for \(settings.groupCommitSeconds) s through one LogSequencer")
            let load = try await Self.appendLoad(concurrency: concurrency, duration: .milliseconds(Int(settings.groupCommitSeconds * 1000)),
                                                 sequencer: appendsSequencer, consents: consents)
            log(String(format: "  c=%d: %.0f durable appends/s, %d transactions, %.1f changes each, p99 %.1f ms",
                       concurrency, load.appendsPerSecond, load.batches, load.meanBatchSize, load.latency.p99Ms))
            loads.append(load)
        }
        return loads
    }

    /// `--only appends`: the group-commit figures alone, for trying a change to the append path.
    func groupCommitOnly(log: (String) -> Void) async throws {
        let logKey = try KeyFiles.ed25519(logKeyPath)
        let signer = LogSigner(origin: Self.origin, signer: try NoteSigner(name: Self.origin, privateKey: logKey))
        let bank = try OrgNumber(BrokerBench.bankOrg)
        _ = try await groupCommit(signer: signer, bank: bank, consents: LeafFactory(bank: bank, people: try people.map { try PersonID($0) }), log: log)
    }

    /// `--only audit`'s log: `entries` entries, the last through the product so it signs the checkpoint.
    func buildOnly(entries: Int, log: (String) -> Void) async throws {
        let logKey = try KeyFiles.ed25519(logKeyPath)
        let signer = LogSigner(origin: Self.origin, signer: try NoteSigner(name: Self.origin, privateKey: logKey))
        let store = try SQLiteStore(path: databasePath)
        let bank = try OrgNumber(BrokerBench.bankOrg)
        _ = try await store.addBank(org: bank, name: "Benchmark Sparebank", now: Date())
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        let bulk = try DatabaseQueue(path: databasePath, configuration: configuration)
        var factory = LeafFactory(bank: bank, people: try people.map { try PersonID($0) })
        var tree = MerkleTreeBuilder()
        log("log: bulk-appending \(entries - 1) entries")
        for start in stride(from: 0, to: entries - 1, by: 50_000) {
            try Self.bulkAppend(bulk, from: start, to: min(entries - 1, start + 50_000), factory: &factory, tree: &tree)
        }
        try await Self.append(factory.consent(now: Date()), through: LogSequencer(store: store, signer: signer))
    }

    /// `count` more entries through the product, 64 callers at a time (group commit), while a broker
    /// serves the log: what a citizen's second `consent log --verify` finds new.
    func grow(by count: Int, store: SQLiteStore, signer: LogSigner) async throws {
        let sequencer = LogSequencer(store: store, signer: signer)
        let consents = LeafFactory(bank: try OrgNumber(BrokerBench.bankOrg), people: try people.map { try PersonID($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<64 {
                group.addTask {
                    for _ in stride(from: caller, to: count, by: 64) { try await Self.append(consents.consent(now: Date()), through: sequencer) }
                }
            }
            try await group.waitForAll()
        }
    }

    /// One new consent committed the way the bank API does it: a `create` change through the sequencer.
    @discardableResult
    static func append(_ consent: Consent, through sequencer: LogSequencer) async throws -> LogSequencer.Committed {
        let committed = try await sequencer.commit(Change(.create(consent)), at: Date())
        _ = try committed.outcome.acceptedConsent()
        return committed
    }

    /// `concurrency` tasks committing for `duration`; only changes committed inside it count.
    static func appendLoad(concurrency: Int, duration: Duration, sequencer: LogSequencer, consents: LeafFactory) async throws -> AppendLoad {
        let start = ContinuousClock.now
        let end = start + duration
        let (millis, sizes) = try await withThrowingTaskGroup(of: ([Double], Set<UInt64>).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var millis: [Double] = []
                    var sizes: Set<UInt64> = []
                    while ContinuousClock.now < end {
                        let t0 = ContinuousClock.now
                        let committed = try await Self.append(consents.consent(now: Date()), through: sequencer)
                        let t1 = ContinuousClock.now
                        guard t1 <= end else { break }
                        millis.append((t1 - t0).seconds * 1000)
                        if let size = committed.checkpoint?.size { sizes.insert(size) }
                    }
                    return (millis, sizes)
                }
            }
            var all: ([Double], Set<UInt64>) = ([], [])
            for try await (millis, sizes) in group {
                all.0 += millis
                all.1.formUnion(sizes)
            }
            return all
        }
        let seconds = duration.seconds
        return AppendLoad(
            concurrency: concurrency, seconds: seconds, committed: millis.count, appendsPerSecond: Double(millis.count) / seconds,
            latency: Latency(millis: millis), batches: sizes.count, meanBatchSize: sizes.isEmpty ? 0 : Double(millis.count) / Double(sizes.count)
        )
    }

    /// The tree of the first `size` entries, from its right edge as the store holds it.
    static func tree(of store: SQLiteStore, size: UInt64) async throws -> MerkleTreeBuilder {
        let edge = MerkleTreeBuilder.rightEdgeNodes(size: size).map { SubtreeCoordinate(level: $0.level, index: $0.index) }
        let hashes = try await store.subtreeHashes(edge)
        return try MerkleTreeBuilder(size: size, rightEdge: try edge.map { node in
            guard let hash = hashes[node] else { throw BenchError("the right edge has no node (\(node.level), \(node.index))") }
            return hash
        })
    }

    /// One big transaction of leaves, their Merkle nodes and the log's head, as `SQLiteStore.commit`
    /// writes them, without a checkpoint: the next durable append signs one.
    static func bulkAppend(_ queue: DatabaseQueue, from start: Int, to end: Int, factory: inout LeafFactory, tree: inout MerkleTreeBuilder) throws {
        try queue.write { db in
            // A v2 entry's row names nobody (its opening does), as `SQLiteStore.commit` writes it.
            let insertEntry = try db.makeStatement(sql: "INSERT INTO auditEntry (idx, leaf, leafHash, type, time) VALUES (?, ?, ?, ?, ?)")
            let insertNode = try db.makeStatement(sql: "INSERT INTO merkleNode (level, idx, hash) VALUES (?, ?, ?)")
            let insertOpening = try db.makeStatement(sql: "INSERT INTO entryOpening (idx, type, consentId, personId, bankOrg, salt, private) VALUES (?, ?, ?, ?, ?, ?, ?)")
            let insertTag = try db.makeStatement(sql: "INSERT INTO consentTag (consentId, tag) VALUES (?, ?)")
            let insertKey = try db.makeStatement(sql: "INSERT OR IGNORE INTO subjectKey (personId, key) VALUES (?, ?)")
            for (person, key) in factory.subjectKeys { try insertKey.execute(arguments: [person.digits, Data(key.bytes)]) }
            for index in start..<end {
                let sealed = try factory.next(index: UInt64(index))
                let leafHash = MerkleHasher.leafHash(sealed.leaf)
                try insertEntry.execute(arguments: [Int64(index), Data(sealed.leaf), Data(leafHash.bytes), sealed.entry.type.rawValue, sealed.entry.time])
                let row = try sealed.opening.row()
                try insertOpening.execute(arguments: [Int64(row.index), row.type, row.consentId, row.personId, row.bankOrg, Data(row.salt), Data(row.privateJSON)])
                if let tag = sealed.newTag { try insertTag.execute(arguments: [sealed.entry.consentId.description, Data(tag.bytes)]) }
                for node in tree.append(leafHash: leafHash) {
                    try insertNode.execute(arguments: [node.level, Int64(node.index), Data(node.hash.bytes)])
                }
            }
            try db.execute(sql: "UPDATE logHead SET size = ? WHERE id = 1", arguments: [Int64(end)])
        }
    }

    /// The Merkle calls timed straight on one read transaction of `queue`, with node reads counted.
    struct Direct: Sendable {
        var root: [Double] = []
        var inclusion: [Double] = []
        var consistency: [Double] = []
        var rootReads = 0.0, inclusionReads = 0.0, consistencyReads = 0.0
        var inclusionHashes = 0.0, consistencyHashes = 0.0
        var fullRoot = MerkleHasher.emptyRoot
    }

    static func direct(_ queue: DatabaseQueue, size: UInt64, rootSizes: [UInt64], indexes: [UInt64], oldSizes: [UInt64]) async throws -> Direct {
        try await queue.read { db in
            let source = try CountingSource(db: db)
            // Untimed: the connection's first query reads the schema.
            _ = try MerkleTree.root(size: size, source: source)
            source.reset()
            var result = Direct()
            func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
                let t0 = ContinuousClock.now
                let value = try body()
                return (value, (ContinuousClock.now - t0).seconds * 1e6)
            }
            for s in rootSizes { result.root.append(try timed { try MerkleTree.root(size: s, source: source) }.1) }
            result.rootReads = Double(source.reads) / Double(rootSizes.count)
            source.reset()
            var hashes = 0
            for index in indexes {
                let (proof, micros) = try timed { try MerkleTree.inclusionProof(index: index, size: size, source: source) }
                hashes += proof.count
                result.inclusion.append(micros)
            }
            result.inclusionReads = Double(source.reads) / Double(indexes.count)
            result.inclusionHashes = Double(hashes) / Double(indexes.count)
            source.reset()
            hashes = 0
            for old in oldSizes {
                let (proof, micros) = try timed { try MerkleTree.consistencyProof(from: old, to: size, source: source) }
                hashes += proof.count
                result.consistency.append(micros)
            }
            result.consistencyReads = Double(source.reads) / Double(oldSizes.count)
            result.consistencyHashes = Double(hashes) / Double(oldSizes.count)
            result.fullRoot = try MerkleTree.root(size: size, source: source)
            return result
        }
    }

    /// Roots for random sizes in the top half of the log; inclusion and consistency proofs for random
    /// indexes and old sizes against the whole log: through `PrefetchedSubtrees` over
    /// `SQLiteStore.subtreeHashes` (what the HTTP handlers do), straight on a connection configured like
    /// the product's (SQLite defaults), and straight on one with memory-mapped I/O.
    private func proofTimings(store: SQLiteStore, size: UInt64, verifierKey: String) async throws -> Timings {
        let samples = settings.proofSamples
        var generator = SystemRandomNumberGenerator()
        let rootSizes = (0..<samples).map { _ in UInt64.random(in: (size / 2 + 1)...size, using: &generator) }
        let indexes = (0..<samples).map { _ in UInt64.random(in: 0..<size, using: &generator) }
        let oldSizes = (0..<samples).map { _ in UInt64.random(in: 1..<size, using: &generator) }

        let plain = try DatabaseQueue(path: databasePath)
        let direct = try await Self.direct(plain, size: size, rootSizes: rootSizes, indexes: indexes, oldSizes: oldSizes)
        var mmapConfiguration = Configuration()
        mmapConfiguration.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 8589934592") }
        let mapped = try DatabaseQueue(path: databasePath, configuration: mmapConfiguration)
        let mmap = try await Self.direct(mapped, size: size, rootSizes: rootSizes, indexes: indexes, oldSizes: oldSizes)
        let fullRoot = direct.fullRoot

        var verified = 0
        let leafHashes = try await plain.read { db in
            try indexes.prefix(50).map { index in
                Hash(bytes: try Data.fetchOne(db, sql: "SELECT leafHash FROM auditEntry WHERE idx = ?", arguments: [Int64(index)])!)!
            }
        }
        let oldRoots = try await plain.read { db in
            try oldSizes.prefix(50).map { try MerkleTree.root(size: $0, source: try CountingSource(db: db)) }
        }
        // The product's path, with the upper levels of the tree in memory as a serving broker has them:
        // one untimed pass reads them (a broker reads each once in its life), the second is timed.
        let counting = NodeCountingStore(store)
        let upper = UpperTreeLevels()
        var rootMicros: [Double] = [], inclusionMicros: [Double] = [], consistencyMicros: [Double] = []
        var reads = (root: 0, inclusion: 0, consistency: 0)
        for pass in 0..<2 {
            let timed = pass == 1
            counting.reset()
            for rootSize in rootSizes {
                let t0 = ContinuousClock.now
                _ = try await upper.root(size: rootSize, store: counting)
                if timed { rootMicros.append((ContinuousClock.now - t0).seconds * 1e6) }
            }
            reads.root = counting.reads
            counting.reset()
            for (position, index) in indexes.enumerated() {
                let t0 = ContinuousClock.now
                let proof = try await upper.inclusionProof(index: index, treeSize: size, store: counting)
                if timed { inclusionMicros.append((ContinuousClock.now - t0).seconds * 1e6) }
                if timed, position < leafHashes.count {
                    try MerkleVerifier.verifyInclusion(index: index, size: size, leafHash: leafHashes[position], proof: proof, root: fullRoot)
                    verified += 1
                }
            }
            reads.inclusion = counting.reads
            counting.reset()
            for (position, old) in oldSizes.enumerated() {
                let t0 = ContinuousClock.now
                let proof = try await upper.consistencyProof(from: old, to: size, store: counting)
                if timed { consistencyMicros.append((ContinuousClock.now - t0).seconds * 1e6) }
                if timed, position < oldRoots.count {
                    try MerkleVerifier.verifyConsistency(from: old, to: size, proof: proof, fromRoot: oldRoots[position], toRoot: fullRoot)
                    verified += 1
                }
            }
            reads.consistency = counting.reads
        }
        // The product's checkpoint for this size must name the same root.
        guard let note = try await store.logHead().checkpoint?.note else { throw BenchError("the log at \(size) entries has no checkpoint") }
        let checkpoint = try Checkpoint.open(note, verifier: NoteVerifier(verifierKey: verifierKey))
        guard checkpoint.size == size, checkpoint.rootHash == fullRoot, mmap.fullRoot == fullRoot else {
            throw BenchError("the signed checkpoint (\(checkpoint.size), \(checkpoint.rootHash)) does not match the stored tree at \(size)")
        }

        func timing(_ micros: [Double], reads: Double, hashes: Double, path: String) -> ProofTiming {
            let latency = Latency(millis: micros)
            return ProofTiming(samples: micros.count, meanMicros: latency.meanMs, p50Micros: latency.p50Ms, p99Micros: latency.p99Ms,
                               nodeReads: reads, hashes: hashes, path: path)
        }
        return Timings(
            root: timing(rootMicros, reads: Double(reads.root) / Double(samples), hashes: 1, path: "UpperTreeLevels.root over SQLiteStore"),
            inclusion: timing(inclusionMicros, reads: Double(reads.inclusion) / Double(samples), hashes: direct.inclusionHashes, path: "UpperTreeLevels.inclusionProof over SQLiteStore"),
            consistency: timing(consistencyMicros, reads: Double(reads.consistency) / Double(samples), hashes: direct.consistencyHashes, path: "UpperTreeLevels.consistencyProof over SQLiteStore"),
            rootDirect: timing(direct.root, reads: direct.rootReads, hashes: 1, path: "MerkleTree.root on one read transaction"),
            inclusionDirect: timing(direct.inclusion, reads: direct.inclusionReads, hashes: direct.inclusionHashes, path: "MerkleTree.inclusionProof on one read transaction"),
            consistencyDirect: timing(direct.consistency, reads: direct.consistencyReads, hashes: direct.consistencyHashes, path: "MerkleTree.consistencyProof on one read transaction"),
            rootMmap: timing(mmap.root, reads: mmap.rootReads, hashes: 1, path: "MerkleTree.root, mmap_size = 8 GiB"),
            inclusionMmap: timing(mmap.inclusion, reads: mmap.inclusionReads, hashes: mmap.inclusionHashes, path: "MerkleTree.inclusionProof, mmap_size = 8 GiB"),
            consistencyMmap: timing(mmap.consistency, reads: mmap.consistencyReads, hashes: mmap.consistencyHashes, path: "MerkleTree.consistencyProof, mmap_size = 8 GiB"),
            verified: verified
        )
    }

    struct Timings {
        var root, inclusion, consistency, rootDirect, inclusionDirect, consistencyDirect, rootMmap, inclusionMmap, consistencyMmap: ProofTiming
        var verified: Int
    }

    /// Reads every leaf and rehashes the tree in this process, against the signed checkpoint.
    static func hashEverything(databasePath: String, checkpointRoot: Hash) throws -> HashingResult {
        let queue = try DatabaseQueue(path: databasePath)
        // Loaded first, so only the hashing is timed.
        let leaves = try queue.read { db in try Data.fetchAll(db, sql: "SELECT leaf FROM auditEntry ORDER BY idx").map { Array($0) } }
        let start = ContinuousClock.now
        var builder = MerkleTreeBuilder()
        var bytes = 0
        for leaf in leaves {
            builder.append(leafHash: MerkleHasher.leafHash(leaf))
            bytes += leaf.count
        }
        let root = builder.root()
        let seconds = (ContinuousClock.now - start).seconds
        return HashingResult(entries: leaves.count, seconds: seconds, entriesPerSecond: Double(leaves.count) / seconds,
                             leafBytesPerSecond: Double(bytes) / seconds, rootMatchesCheckpoint: root == checkpointRoot)
    }
}

/// A store counting the nodes it reads for `UpperTreeLevels`: the reads left below the kept levels.
final class NodeCountingStore: LogStore {
    let store: SQLiteStore
    private let count = Mutex(0)

    init(_ store: SQLiteStore) { self.store = store }

    var reads: Int { count.withLock { $0 } }
    func reset() { count.withLock { $0 = 0 } }

    func logEntries(_ query: LogQuery) async throws -> [StoredEntry] { try await store.logEntries(query) }
    func entryBundle(start: UInt64, count: Int) async throws -> EntryBundleWriter { try await store.entryBundle(start: start, count: count) }
    func logHead() async throws -> LogHead { try await store.logHead() }
    func subtreeHashes(_ nodes: [SubtreeCoordinate]) async throws -> [SubtreeCoordinate: Hash] {
        count.withLock { $0 += nodes.count }
        return try await store.subtreeHashes(nodes)
    }
    func subtreeHashes(level: Int, first: UInt64, count: Int) async throws -> [Hash] {
        self.count.withLock { $0 += count }
        return try await store.subtreeHashes(level: level, first: first, count: count)
    }
}

/// The product's node lookup (one primary-key read per node), counting the reads.
final class CountingSource: SubtreeHashSource {
    let db: Database
    private(set) var reads = 0
    private let statement: Statement

    init(db: Database) throws {
        self.db = db
        statement = try db.cachedStatement(sql: "SELECT hash FROM merkleNode WHERE level = ? AND idx = ?")
    }

    func reset() { reads = 0 }

    func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
        reads += 1
        guard let bytes = try Data.fetchOne(statement, arguments: [level, Int64(index)]), let hash = Hash(bytes: bytes) else {
            throw BenchError("the Merkle node at level \(level), index \(index) is missing")
        }
        return hash
    }
}

/// Realistic v2 entries: consent flows of requested, granted, three bundles and an ending, as the
/// broker logs them, with the same detail fields, each with its opening.
struct LeafFactory {
    let bank: OrgNumber
    let people: [PersonID]
    private var consentID = ConsentID()
    private var person: PersonID
    private var step = 0
    private var flows = 0
    private let start = Date()
    private var generator = SystemRandomNumberGenerator()

    /// Each person's subject key, drawn once as the broker draws it at their first v2 entry.
    let subjectKeys: [PersonID: SubjectKey]
    private var tag = ConsentTag.random()

    init(bank: OrgNumber, people: [PersonID]) {
        self.bank = bank
        self.people = people
        self.person = people[0]
        subjectKeys = Dictionary(people.map { ($0, SubjectKey.random()) }, uniquingKeysWith: { first, _ in first })
    }

    private mutating func hex() -> String {
        var text = ""
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            let digits = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return text
    }

    /// Entry `index` as the broker logs it (`BatchPlan`): a v2 public entry sealed with the consent's
    /// tag and the person's subject key, its opening, and the tag when this entry drew it.
    mutating func next(index: UInt64) throws -> (entry: AuditEntry, leaf: [UInt8], opening: EntryOpening, newTag: ConsentTag?) {
        let newTag: ConsentTag? = step == 0 ? ConsentTag.random() : nil
        if let newTag { tag = newTag }
        let entry = try nextEntry(index: index)
        let sealed = try PublicEntry.seal(index: index, time: entry.time, privatePart: try entry.privatePart(), consent: tag,
                                          subjectKey: subjectKeys[entry.personId]!)
        return (entry, try sealed.entry.leafBytes(), sealed.opening, newTag)
    }

    private mutating func nextEntry(index: UInt64) throws -> AuditEntry {
        // One entry per 10 ms of simulated time.
        let time = start.addingTimeInterval(Double(index) / 100)
        let scopes: JSONValue = .array([.string("income"), .string("debt"), .string("wealth")])
        let years: JSONValue = .array([.number(2023), .number(2024)])
        let type: AuditEntry.EntryType
        var actor = AuditEntry.Actor.bank(bank)
        var details: [String: JSONValue]
        switch step {
        case 0:
            type = .consentRequested
            details = [
                "scopes": scopes, "years": years,
                "purpose": .object(["code": .string("loan-application"), "text": .string("Mortgage for a flat in Bergen")]),
                "validUntil": .string(RFC3339.string(from: time.addingTimeInterval(9 * 86_400))),
                "maxUses": .number(3),
                "requestExpiresAt": .string(RFC3339.string(from: time.addingTimeInterval(3 * 86_400))),
            ]
        case 1:
            type = .consentGranted
            actor = .citizen(person)
            details = ["from": .string("pending"), "to": .string("active")]
        case 2, 3, 4:
            type = .bundleIssued
            details = [
                "bundleId": .string(UUID().uuidString.lowercased()), "bundleSha256": .string(hex()),
                "scopes": scopes, "years": years, "sourceSha256": .string(hex()), "use": .number(Double(step - 1)),
            ]
        default:
            type = .consentExhausted
            actor = .system
            details = ["from": .string("active"), "to": .string("exhausted"), "uses": .number(3)]
        }
        // Through the product's decoder, which refuses details the broker would not write.
        let entry = AuditEntry(index: index, time: time, actor: actor, consentId: consentID, personId: person,
                               bankOrg: bank, event: try LogEvent(type: type, details: details))
        step += 1
        if step == 6 {
            step = 0
            flows += 1
            consentID = ConsentID()
            person = people[flows % people.count]
        }
        return entry
    }

    /// A fresh pending consent, for an append through the product.
    func consent(now: Date) throws -> Consent {
        try TestConsent.pending(
            person: people[Int.random(in: 0..<people.count)], bank: bank, scopes: [.income, .debt, .wealth], purpose: "Mortgage for a flat in Bergen",
            validFor: 9 * 86_400, now: now
        )
    }
}
