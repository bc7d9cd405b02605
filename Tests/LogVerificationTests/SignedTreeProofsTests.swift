import LogVerification
import Testing
import TransparencyLog

/// Proofs about any tree size are tied to the one signed checkpoint, and a log serving wrong
/// proofs or entries is caught.
@Suite struct SignedTreeProofsTests {
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

    @Test func aChangedEntryHasNoInclusionProof() async throws {
        var log = try InMemoryLog(size: 9)
        log.changeByte(of: 4)
        let proofs = try Self.proofs(log)
        for treeSize: UInt64 in [5, 9] {
            await #expect(throws: LogVerificationFailure.self) { try await proofs.inclusion(index: 4, treeSize: treeSize) }
        }
        _ = try await proofs.inclusion(index: 3, treeSize: 9)
        // The tree of 5 ends in the changed entry, so its root cannot be proven either.
        await #expect(throws: LogVerificationFailure.self) { try await proofs.consistency(from: 5, to: 9) }
        _ = try await proofs.consistency(from: 4, to: 9)
    }

    @Test func sizesBeyondTheCheckpointAreRefused() async throws {
        let proofs = try Self.proofs(try InMemoryLog(size: 4))
        await #expect(throws: LogVerificationFailure.self) { try await proofs.inclusion(index: 1, treeSize: 5) }
        await #expect(throws: LogVerificationFailure.self) { try await proofs.inclusion(index: 4, treeSize: 4) }
        await #expect(throws: LogVerificationFailure.self) { try await proofs.consistency(from: 2, to: 5) }
        await #expect(throws: LogVerificationFailure.self) { try await proofs.consistency(from: 3, to: 2) }
    }
}
