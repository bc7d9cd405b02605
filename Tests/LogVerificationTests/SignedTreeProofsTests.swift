import LogVerification
import Testing
import TransparencyLog
import TestSupport

/// Proofs about any tree size are tied to the one signed checkpoint, and a log serving wrong
/// proofs or entries is caught.
@Suite(.sameOnEveryBackend) struct SignedTreeProofsTests {
    static func proofs(_ log: InMemoryLog) throws -> SignedTreeProofs<InMemoryLog> {
        SignedTreeProofs(source: log, checkpoint: try Checkpoint.open(log.signedNote, verifier: NoteVerifier(verifierKey: log.logKey)))
    }

    @Test func inclusionInEveryTreeUpToTheSignedOne() async throws {
        let log = try InMemoryLog(size: 11)
        let proofs = try Self.proofs(log)
        for treeSize in UInt64(1)...11 {
            for index in 0..<treeSize {
                let inclusion = try await proofs.inclusion(index: index, treeSize: treeSize)
                #expect(inclusion.leaf == log.served[Int(index)].leaf)
            }
        }
    }

    @Test func consistencyBetweenEveryPairOfSizes() async throws {
        let proofs = try Self.proofs(try InMemoryLog(size: 9))
        for to in UInt64(0)...9 {
            for from in 0...to {
                let consistency = try await proofs.consistency(from: from, to: to)
                #expect(consistency.from == from && consistency.to == to)
            }
        }
    }

    /// A `badProof` failure whose explanation starts with `words`: which proof failed to tie to the
    /// signed tree, and how.
    static func expectBadProof(_ words: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> some Any) async {
        let failure = await #expect(throws: LogVerificationFailure.self, sourceLocation: sourceLocation) { _ = try await body() }
        guard case .badProof(let why)? = failure?.reason, why.hasPrefix(words) else {
            Issue.record("\(String(describing: failure)) is not a bad proof saying \"\(words)…\"", sourceLocation: sourceLocation)
            return
        }
    }

    @Test func aChangedEntryHasNoInclusionProof() async throws {
        var log = try InMemoryLog(size: 9)
        log.changeByte(of: 4)
        let proofs = try Self.proofs(log)
        // In the tree of 5 the changed entry leads to a root no consistency proof ties to the signed one;
        // in the signed tree itself, to another root than the signed one.
        let notAPrefix = "the inclusion proof of entry 4 leads to a tree of 5 that is not a prefix of the signed tree: "
        await Self.expectBadProof(notAPrefix) { try await proofs.inclusion(index: 4, treeSize: 5) }
        var changed = MerkleTreeBuilder()
        for entry in log.served { changed.append(leafHash: MerkleHasher.leafHash(entry.leaf)) }
        let signed = proofs.checkpoint.rootHash
        let otherRoot = LogVerificationFailure(.badProof("the inclusion proof of entry 4 leads to \(changed.root().base64), the signed root is \(signed.base64)"))
        await #expect(throws: otherRoot) { try await proofs.inclusion(index: 4, treeSize: 9) }
        _ = try await proofs.inclusion(index: 3, treeSize: 9)
        // The tree of 5 ends in the changed entry, so its root cannot be proven either.
        await Self.expectBadProof(notAPrefix) { try await proofs.consistency(from: 5, to: 9) }
        _ = try await proofs.consistency(from: 4, to: 9)
    }

    @Test func sizesBeyondTheCheckpointAreRefused() async throws {
        let proofs = try Self.proofs(try InMemoryLog(size: 4))
        let beyond = LogVerificationFailure(.badProof("tree size 5 is beyond the signed checkpoint (4)"))
        await #expect(throws: beyond) { try await proofs.inclusion(index: 1, treeSize: 5) }
        await #expect(throws: LogVerificationFailure(.badProof("index 4 is not below tree size 4"))) { try await proofs.inclusion(index: 4, treeSize: 4) }
        await #expect(throws: beyond) { try await proofs.consistency(from: 2, to: 5) }
        await #expect(throws: LogVerificationFailure(.badProof("from 3 is larger than to 2"))) { try await proofs.consistency(from: 3, to: 2) }
    }
}
