import Foundation
import OwnThread
import SamtykkeCore
import TransparencyLog

/// Follows one log through its public tiles (C2SP tlog-tiles) and keeps each consent's state as
/// its public entries tell it (SPEC §4's public invariants): whether it was granted, whether it
/// ended (denied, revoked, withdrawn, expired, exhausted, forgotten), its `validUntil`, and whether
/// its entries broke the public rules.
///
/// It trusts only trees that extend the last one it verified: each new checkpoint must carry the
/// log's signature, be no smaller, and the entries it adds, folded onto the stored right edge, must
/// give its root. A smaller tree, another root for the same size, entries that do not give the
/// signed root, or a cosigned checkpoint (from a proof) inconsistent with what it verified, stops
/// it for good: every later question is answered with `halted` and the reason, also after a restart.
public actor LogMonitor {
    public let log: LogPolicy.Log
    private let fetcher: any TileFetcher
    private let statePath: String
    private var state: MonitorState
    /// One catch-up at a time, numbered by `started`: callers arriving while one runs share the
    /// next one, since the one running may have read the checkpoint before they arrived.
    private var running: (number: UInt64, task: Task<Void, any Error>)?
    private var started: UInt64 = 0
    /// The roots of the trees this process verified lately, by size: a proof's checkpoint is almost
    /// always one of them, and then no consistency proof need be read from the log for it.
    private var recentRoots: [UInt64: Hash] = [:]
    private static let recentRootsKept: UInt64 = 4096
    /// How long `cover` keeps reading the log's checkpoint while it is smaller than a proof's tree.
    private let patience: Duration
    /// When a catch-up last wrote the state (with its fsyncs). It writes at most once a `saveEvery`:
    /// under load a catch-up runs every few milliseconds, and each write encodes every consent's state
    /// and waits on the disk twice (file and directory). A restart reads again what came after the
    /// state it finds, at most that much of the log, and checks it against that state.
    private var lastSave: ContinuousClock.Instant?
    private static let saveEvery: Duration = .seconds(1)
    /// Whether a catch-up is writing the state file off the actor: a halt meanwhile leaves the file
    /// to it (it writes the halt too once done), since two writers of one file share its temporary one.
    private var saving = false

    /// Loads the state at `statePath` (the empty tree when there is none).
    public init(log: LogPolicy.Log, fetcher: any TileFetcher, statePath: String, patience: Duration = .seconds(2)) throws(LogMonitorError) {
        self.log = log
        self.patience = patience
        self.fetcher = fetcher
        self.statePath = statePath
        state = try MonitorState.load(from: statePath, log: log)
    }

    /// The size of the newest tree verified.
    public var size: UInt64 { state.checkpoint.size }
    /// Why the monitor stopped, if it did.
    public var haltReason: String? { state.halted }

    /// SPEC §5 check 3 for the consent with this tag, from the public entries followed so far: nil
    /// when data may be released for it, otherwise why not. Not only the ends it saw: a broker that
    /// logged its fetch under a fresh tag, one with no granted `consent.requested` before it, or one
    /// that never logged an expiry, is refused too, by the terms and the state the log shows and by
    /// this machine's clock.
    public func refusal(for tag: ConsentTag, now: Date) -> String? {
        if let broken = state.broken[tag] { return broken }
        guard let (status, terms) = state.consents.standing(of: tag) else { return "the log names no consent with this tag" }
        if status.isTerminal { return "the log shows the consent ended (\(status.rawValue))" }
        guard status == .active else { return "the log shows the consent \(status.rawValue), not granted" }
        guard now < terms.validUntil else { return "the consent's validUntil, \(RFC3339.string(from: terms.validUntil)), has passed" }
        return nil
    }

    /// Reads the log's newest checkpoint (one read after this call) and every entry it adds.
    public func catchUp() async throws(LogMonitorError) {
        try requireRunning()
        let arrived = started
        while let running {
            let fresh = running.number > arrived
            // A catch-up that started before this call counts for nothing, also when it fails.
            do { try await running.task.value } catch { if fresh { throw Self.typed(error) } }
            if fresh { return }
        }
        started += 1
        let task = Task { try await self.advanceThenFinish() }
        running = (started, task)
        do { try await task.value } catch { throw Self.typed(error) }
    }

    /// Clears `running` on the actor before the task completes, so no caller resumed by its end can
    /// take it for one still to come.
    private func advanceThenFinish() async throws(LogMonitorError) {
        defer { running = nil }
        try await advance()
    }

    /// Makes sure the monitor's tree covers `checkpoint` (a cosigned one, from a verified proof), and
    /// that `checkpoint` is a prefix of it. A log served by several instances or through a cache may
    /// show an older checkpoint for a moment, so a smaller one is read again for up to `patience`
    /// before the proof is refused.
    public func cover(_ checkpoint: Checkpoint) async throws(LogMonitorError) {
        try requireRunning()
        let deadline = ContinuousClock.now + patience
        while state.checkpoint.size < checkpoint.size {
            // A catch-up already under way has read a checkpoint that is most often newer than the
            // proof's (the log signs before witnesses cosign): when it covers the proof, waiting for
            // it saves a whole catch-up. `catchUp` reports its failure, if it failed.
            if let running {
                _ = try? await running.task.value
                if state.checkpoint.size >= checkpoint.size { break }
            }
            try await catchUp()
            guard state.checkpoint.size < checkpoint.size, ContinuousClock.now < deadline else { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        // Another caller's catch-up may have moved the tree on meanwhile; a halt stays a halt.
        try requireRunning()
        let verified = state.checkpoint
        guard verified.size >= checkpoint.size else { throw .behind(logSize: verified.size, needed: checkpoint.size) }
        if let root = recentRoots[checkpoint.size] {
            guard root == checkpoint.rootHash else {
                try halt("the cosigned checkpoint of \(checkpoint.size) entries is not a prefix of the verified tree of \(verified.size) (another root)")
            }
            return
        }
        let proof: [Hash]
        do {
            proof = try await TileHashes.consistencyProof(from: checkpoint.size, size: verified.size, fetcher: fetcher)
        } catch {
            throw Self.typed(error)
        }
        do {
            try MerkleVerifier.verifyConsistency(
                from: checkpoint.size, to: verified.size, proof: proof, fromRoot: checkpoint.rootHash, toRoot: verified.rootHash)
        } catch {
            try halt("the cosigned checkpoint of \(checkpoint.size) entries is not a prefix of the verified tree of \(verified.size) (\(error))")
        }
    }

    private func requireRunning() throws(LogMonitorError) {
        if let halted = state.halted { throw .halted(halted) }
    }

    private func halt(_ reason: String) throws(LogMonitorError) -> Never {
        state.halted = reason
        // Kept in memory even when the disk fails, so this process stops releasing either way.
        if !saving { try? state.save(to: statePath, log: log) }
        throw .halted(reason)
    }

    private func advance() async throws(LogMonitorError) {
        let signed: String
        do {
            guard let bytes = try await fetcher.fetch("checkpoint") else { throw LogMonitorError.unreachable("no checkpoint") }
            signed = String(decoding: bytes, as: UTF8.self)
        } catch {
            throw Self.typed(error)
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.open(signed, verifier: log.verifier) } catch { throw .badCheckpoint("\(error)") }
        guard checkpoint.origin == state.checkpoint.origin else { throw .badCheckpoint("its origin is \(checkpoint.origin)") }
        let old = state.checkpoint
        if checkpoint.size < old.size { try halt("the log shrank from \(old.size) entries to \(checkpoint.size)") }
        if checkpoint.size == old.size {
            if checkpoint.rootHash != old.rootHash { try halt("the log signed two roots for \(old.size) entries: it forked") }
            return
        }
        var next = state
        // The stored right edge is that of a verified tree, so this cannot fail.
        var tree = try! MerkleTreeBuilder(size: old.size, rightEdge: state.rightEdge)
        var roots: [UInt64: Hash] = [:]
        let width = UInt64(TilePath.fullWidth)
        for bundle in (old.size / width)...((checkpoint.size - 1) / width) {
            let first = bundle * width
            let count = Int(min(width, checkpoint.size - first))
            let path = "tile/entries/\(TilePath(index: bundle, width: count)!.path)"
            let bytes: [UInt8]
            do {
                guard let fetched = try await fetcher.fetch(path) else { throw LogMonitorError.badTile(path: path) }
                bytes = fetched
            } catch {
                throw Self.typed(error)
            }
            guard let ranges = bytes.withUnsafeBytes({ EntryBundle.entries(in: $0, count: count) }) else { throw .badTile(path: path) }
            for (offset, range) in ranges.enumerated() where first + UInt64(offset) >= old.size {
                let leaf = Array(bytes[range])
                tree.append(leafHash: MerkleHasher.leafHash(leaf))
                if checkpoint.size - tree.size < Self.recentRootsKept { roots[tree.size] = tree.root() }
                // An entry it cannot read might be an end it would miss.
                guard let read = try? LogLeaf.scanned(leaf) else {
                    try halt("entry \(first + UInt64(offset)) is not an entry this monitor can read")
                }
                // A consent whose entries break the public rules is refused from then on; the rest of
                // the log is followed as before, since one broker bug need not stop every release.
                if case .v2(let entry) = read, next.broken[entry.consent] == nil {
                    do throws(DomainError) {
                        try next.consents.check(entry)
                    } catch {
                        next.broken[entry.consent] = "entry \(entry.index): \(error.reason)"
                    }
                }
            }
        }
        guard tree.root() == checkpoint.rootHash else {
            try halt("the entries from \(old.size) to \(checkpoint.size) do not give the root the log signed for them: it forked")
        }
        next.signedCheckpoint = signed
        next.checkpoint = checkpoint
        next.rightEdge = tree.rightEdge
        let now = ContinuousClock.now
        if lastSave.map({ $0.duration(to: now) >= Self.saveEvery }) ?? true {
            // Off the actor's thread: `cover` and `refusal` answer meanwhile from the state before it.
            let (saved, statePath, log) = (next, statePath, log)
            saving = true
            do {
                try await onOwnThread { () throws(LogMonitorError) in try saved.save(to: statePath, log: log) }
            } catch {
                saving = false
                if state.halted != nil { try? state.save(to: statePath, log: log) }
                throw error
            }
            saving = false
            lastSave = now
        }
        // `cover` may have stopped the monitor while the state was being written: a halt stays a halt.
        next.halted = state.halted
        state = next
        if state.halted != nil { try? state.save(to: statePath, log: log) }
        recentRoots = recentRoots.filter { checkpoint.size - $0.key < Self.recentRootsKept }.merging(roots) { $1 }
    }

    private static func typed(_ error: any Error) -> LogMonitorError {
        error as? LogMonitorError ?? .unreachable("\(error)")
    }
}
