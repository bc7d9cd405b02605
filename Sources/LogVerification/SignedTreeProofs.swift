import TransparencyLog

/// Inclusion and consistency proofs checked against one signed checkpoint, for `audit prove`.
///
/// The log publishes a signature only for its newest tree, so a proof about an older tree size
/// is tied to it in two steps: the older root is derived from a proof, then a consistency proof
/// shows that tree is a prefix of the signed one. Anything that does not hold is thrown as a
/// `LogVerificationFailure`; transport errors are thrown as they come.
public struct SignedTreeProofs<Source: LogSource>: Sendable {
    public let source: Source
    public let checkpoint: Checkpoint

    public init(source: Source, checkpoint: Checkpoint) {
        self.source = source
        self.checkpoint = checkpoint
    }

    /// The entry at `index`, and the proof that places it in the tree of `treeSize`.
    public struct Inclusion: Sendable, Hashable {
        public let index: UInt64
        public let treeSize: UInt64
        public let leaf: [UInt8]
        public let proof: [Hash]
        public let root: Hash
    }

    /// Proof that `from` leaves are a prefix of `to` leaves, with both roots proven.
    public struct Consistency: Sendable, Hashable {
        public let from: UInt64
        public let to: UInt64
        public let proof: [Hash]
        public let fromRoot: Hash
        public let toRoot: Hash
    }

    public func inclusion(index: UInt64, treeSize: UInt64) async throws -> Inclusion {
        try requireWithinCheckpoint(treeSize)
        guard index < treeSize else { throw LogVerificationFailure(.badProof("index \(index) is not below tree size \(treeSize)")) }
        let leaf = try await entry(at: index)
        let proof = try await source.inclusionProof(index: index, treeSize: treeSize)
        let root: Hash
        do {
            root = try MerkleVerifier.rootFromInclusionProof(index: index, size: treeSize, leafHash: MerkleHasher.leafHash(leaf), proof: proof)
        } catch {
            throw LogVerificationFailure(.badProof("the inclusion proof of entry \(index) in tree \(treeSize) is malformed: \(error)"))
        }
        try await requirePrefix(size: treeSize, root: root, what: "the inclusion proof of entry \(index)")
        return Inclusion(index: index, treeSize: treeSize, leaf: leaf, proof: proof, root: root)
    }

    public func consistency(from: UInt64, to: UInt64) async throws -> Consistency {
        try requireWithinCheckpoint(to)
        guard from <= to else { throw LogVerificationFailure(.badProof("from \(from) is larger than to \(to)")) }
        let toRoot = try await provenRoot(size: to)
        let fromRoot = try await provenRoot(size: from)
        let proof = from > 0 && from < to ? try await source.consistencyProof(from: from, to: to) : []
        do {
            try MerkleVerifier.verifyConsistency(from: from, to: to, proof: proof, fromRoot: fromRoot, toRoot: toRoot)
        } catch {
            throw LogVerificationFailure(.badProof("the consistency proof from \(from) to \(to) does not hold: \(error)"))
        }
        return Consistency(from: from, to: to, proof: proof, fromRoot: fromRoot, toRoot: toRoot)
    }

    /// The root of the first `size` leaves, proven from the inclusion proof of the last of them.
    private func provenRoot(size: UInt64) async throws -> Hash {
        if size == checkpoint.size { return checkpoint.rootHash }
        if size == 0 { return MerkleHasher.emptyRoot }
        return try await inclusion(index: size - 1, treeSize: size).root
    }

    /// Ties a root derived for `size` to the signed root.
    private func requirePrefix(size: UInt64, root: Hash, what: String) async throws {
        if size == checkpoint.size {
            guard root == checkpoint.rootHash else {
                throw LogVerificationFailure(.badProof("\(what) leads to \(root.base64), the signed root is \(checkpoint.rootHash.base64)"))
            }
            return
        }
        let proof = try await source.consistencyProof(from: size, to: checkpoint.size)
        do {
            try MerkleVerifier.verifyConsistency(from: size, to: checkpoint.size, proof: proof, fromRoot: root, toRoot: checkpoint.rootHash)
        } catch {
            throw LogVerificationFailure(.badProof("\(what) leads to a tree of \(size) that is not a prefix of the signed tree: \(error)"))
        }
    }

    private func requireWithinCheckpoint(_ size: UInt64) throws {
        guard size <= checkpoint.size else {
            throw LogVerificationFailure(.badProof("tree size \(size) is beyond the signed checkpoint (\(checkpoint.size))"))
        }
    }

    private func entry(at index: UInt64) async throws -> [UInt8] {
        let served = try await source.entries(start: index, limit: 1).first
        guard let served, served.index == index else {
            throw LogVerificationFailure(.missingEntry(index: index, next: served?.index, checkpointSize: checkpoint.size))
        }
        return served.leaf
    }
}
