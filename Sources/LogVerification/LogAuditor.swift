import TransparencyLog

/// `samtykke audit verify` as a library: recompute the whole tree from the entries, check the signed
/// checkpoint, and check the tree extends the one trusted on the last run (SPEC §4).
///
/// Failures of the log are returned as values naming the first bad index; only failures to talk
/// to the log (and a malformed key, a configuration error) are thrown.
public struct LogAuditor<Source: LogSource>: Sendable {
    public let source: Source
    /// Entries per request when the log is read page by page; the broker serves at most 1000.
    public let pageSize: Int
    /// Entry bundles fetched or hashed at once.
    public let bundleWindow: Int
    /// An auditor's openings: with them every entry that has one is opened and checked (SPEC §4).
    public let openings: (any AuditorOpeningSource)?
    /// Whether the entry pages (auditors only) can be read; without them a bundle is not what the
    /// tree needs, or is kept to auditors, is judged from the public tiles alone.
    public let readsPages: Bool

    public init(
        source: Source, pageSize: Int = 1000, bundleWindow: Int = 8, openings: (any AuditorOpeningSource)? = nil, readsPages: Bool = true
    ) {
        precondition(pageSize > 0, "a page holds at least one entry")
        precondition(bundleWindow > 0, "at least one bundle is read at a time")
        self.source = source
        self.pageSize = pageSize
        self.bundleWindow = bundleWindow
        self.openings = openings
        self.readsPages = readsPages
    }

    /// Verifies the log against `logKey`, a cosignature by each of `witnessKeys` on the checkpoint,
    /// and, when given, the state of an earlier run.
    ///
    /// The checkpoint is fetched first and exactly its size is verified, so a log that grows
    /// meanwhile verifies as it was when signed. `progress` gets (entries checked, entries to check).
    public func verify(
        logKey: String,
        trusted state: AuditState?,
        witnessKeys: [String] = [],
        progress: (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> LogVerificationResult {
        do {
            let signed = try await SignedHead.fetch(from: source, logKey: logKey, trusted: state, witnessKeys: witnessKeys)
            let checkpoint = signed.checkpoint
            if let trusted = signed.trusted, trusted.size > checkpoint.size {
                throw LogVerificationFailure(.rollback(trustedSize: trusted.size, size: checkpoint.size))
            }
            let (readAsEntryBundles, pass) = try await verifyEntries(against: checkpoint, trusted: signed.trusted, progress: progress)
            if let trusted = signed.trusted {
                if let snapshot = pass.trustedRoot {
                    // The entries that hash to the signed root begin with the trusted tree, or it was another log.
                    guard snapshot == trusted.rootHash else {
                        throw LogVerificationFailure(.inconsistentWithTrusted(
                            trustedSize: trusted.size, size: checkpoint.size,
                            reason: "its first \(trusted.size) entries hash to \(snapshot.base64), not to the root verified then"
                        ))
                    }
                } else {
                    try await verifyExtends(trusted, checkpoint)
                }
            }
            // Only now are the entries known to be the signed ones, whose rules are worth judging.
            if let broken = pass.invariants.firstBroken { throw broken }
            var opened: VerifiedLog.Opened?
            if let checked = pass.opened {
                let unopened = try checked.unopenedEntries(forgotten: pass.invariants.isForgotten)
                opened = VerifiedLog.Opened(opened: checked.openedCount, v1Entries: checked.v1Count, withoutOpening: unopened)
            }
            var verified = VerifiedLog(
                checkpoint: checkpoint, signedCheckpoint: signed.note, logKey: logKey, trusted: signed.trusted, cosignatures: signed.cosignatures,
                readAsEntryBundles: readAsEntryBundles, consentTags: pass.invariants.consentCount, forgottenConsentTags: pass.invariants.forgottenCount,
                withheldEntries: pass.withheld, uncheckedConsentTags: pass.invariants.uncheckedTags.count, opened: opened
            )
            verified.shreddedEntries = pass.invariants.shreddedEntryCount
            verified.v1Entries = checkpoint.size - UInt64(pass.invariants.publicEntryCount)
            return .verified(verified)
        } catch let failure as LogVerificationFailure {
            return .failed(failure)
        }
    }

    /// What the entries were found to hold: the public invariants, the v1 entries that could not
    /// be read, and the openings' check when there was one.
    private struct Pass {
        let invariants: InvariantCheck
        var withheld: UInt64 = 0
        var opened: OpenedCheck?
        /// The root of the entries up to the trusted checkpoint's size, when the bundles gave it.
        var trustedRoot: Hash?
    }

    /// Rehashes every entry into a root: from the entry bundles, at hashing speed, and only if they
    /// do not lead to the signed root, again from the entry pages, which say which entry is at
    /// fault. Either way O(log n) hashes are held, plus a few bundles or one page of entries, and
    /// the state of each consent tag for the public invariants. Returns whether the bundles were
    /// what verified them, and the invariants over the entries that did.
    private func verifyEntries(
        against checkpoint: Checkpoint, trusted: Checkpoint?, progress: (UInt64, UInt64) -> Void
    ) async throws -> (readAsEntryBundles: Bool, pass: Pass) {
        progress(0, checkpoint.size)
        let fault: BundleFault?
        do {
            var bundled = BundledPass(source: source, size: checkpoint.size, window: bundleWindow)
            bundled.openings = openings
            bundled.snapshotAt = trusted?.size
            let outcome = try await bundled.run { progress($0, checkpoint.size) }
            let root = outcome.tree.root()
            if root == checkpoint.rootHash {
                return (true, Pass(
                    invariants: outcome.invariants, withheld: outcome.withheld, opened: openings == nil ? nil : outcome.opened,
                    trustedRoot: outcome.snapshot
                ))
            }
            guard readsPages else { throw LogVerificationFailure(.rootMismatch(size: checkpoint.size, computed: root, signed: checkpoint.rootHash)) }
            fault = BundleFault(index: nil, reason: "they hash to \(root.base64), the signed checkpoint says \(checkpoint.rootHash.base64)")
        } catch let bundled as BundleFault where readsPages {
            fault = bundled
        } catch let bundled as BundleFault {
            throw LogVerificationFailure(.bundlesDisagree(index: bundled.index, reason: bundled.reason))
        } catch let cancelled as CancellationError {
            throw cancelled
        } catch let failure as LogVerificationFailure {
            throw failure
        } catch where readsPages {
            // The bundles could not be read at all; the pages verify the log as fully, if slower.
            fault = nil
        }
        let invariants = try await verifyPages(against: checkpoint, progress: progress)
        if let fault {
            throw LogVerificationFailure(.bundlesDisagree(index: fault.index, reason: fault.reason))
        }
        return (false, Pass(invariants: invariants))
    }

    private func verifyPages(against checkpoint: Checkpoint, progress: (UInt64, UInt64) -> Void) async throws -> InvariantCheck {
        var cursor = EntryCursor(source: source, size: checkpoint.size, pageSize: pageSize)
        var builder = MerkleTreeBuilder()
        progress(0, checkpoint.size)
        while let page = try await cursor.nextPage() {
            for hash in page { builder.append(leafHash: hash) }
            progress(cursor.position, checkpoint.size)
        }
        let root = builder.root()
        guard root == checkpoint.rootHash else {
            throw try await locateChangedEntry(against: checkpoint, computedRoot: root)
        }
        return cursor.invariants
    }

    /// The first entry whose prefix the log cannot prove to be part of the signed tree.
    ///
    /// A root mismatch alone does not say which entry changed, and keeping every prefix root of the
    /// first pass would cost memory linear in the log. So, only on failure, a second pass asks for a
    /// consistency proof from the end of each page to the signed tree: the first page that fails
    /// holds the change, and a binary search inside it (O(log page) proofs) finds the entry. A log
    /// that serves bad proofs can only move the blame earlier, never hide a change.
    private func locateChangedEntry(against checkpoint: Checkpoint, computedRoot: Hash) async throws -> LogVerificationFailure {
        var cursor = EntryCursor(source: source, size: checkpoint.size, pageSize: pageSize)
        var builder = MerkleTreeBuilder()
        while true {
            let start = cursor.position
            let before = builder
            guard let page = try await cursor.nextPage() else { break }
            for hash in page { builder.append(leafHash: hash) }
            if try await isPrefix(builder, of: checkpoint) { continue }

            // The prefix of `good` entries is proven, the prefix of `bad` is not; the entry at bad - 1 broke it.
            var good = start
            var bad = cursor.position
            while bad - good > 1 {
                let middle = good + (bad - good) / 2
                var prefix = before
                for hash in page[..<Int(middle - start)] { prefix.append(leafHash: hash) }
                if try await isPrefix(prefix, of: checkpoint) { good = middle } else { bad = middle }
            }
            return LogVerificationFailure(.changedEntry(index: bad - 1))
        }
        // The second pass matched the signed root: the log answered differently the first time.
        return LogVerificationFailure(.rootMismatch(size: checkpoint.size, computed: computedRoot, signed: checkpoint.rootHash))
    }

    /// Whether the tree in `prefix` is provably the first `prefix.size` leaves of the signed tree.
    private func isPrefix(_ prefix: MerkleTreeBuilder, of checkpoint: Checkpoint) async throws -> Bool {
        if prefix.size == checkpoint.size { return prefix.root() == checkpoint.rootHash }
        let proof = try await source.consistencyProof(from: prefix.size, to: checkpoint.size)
        do {
            try MerkleVerifier.verifyConsistency(
                from: prefix.size, to: checkpoint.size, proof: proof, fromRoot: prefix.root(), toRoot: checkpoint.rootHash
            )
            return true
        } catch {
            return false
        }
    }

    /// The signed tree must contain the trusted one as its prefix: no rollback, no fork.
    private func verifyExtends(_ trusted: Checkpoint, _ checkpoint: Checkpoint) async throws {
        guard trusted.size <= checkpoint.size else {
            throw LogVerificationFailure(.rollback(trustedSize: trusted.size, size: checkpoint.size))
        }
        // Sizes 0 and equal need no proof: MerkleVerifier compares the roots directly.
        let needsProof = trusted.size > 0 && trusted.size < checkpoint.size
        let proof = needsProof ? try await source.consistencyProof(from: trusted.size, to: checkpoint.size) : []
        do {
            try MerkleVerifier.verifyConsistency(
                from: trusted.size, to: checkpoint.size, proof: proof, fromRoot: trusted.rootHash, toRoot: checkpoint.rootHash
            )
        } catch {
            throw LogVerificationFailure(.inconsistentWithTrusted(trustedSize: trusted.size, size: checkpoint.size, reason: "\(error)"))
        }
    }
}
