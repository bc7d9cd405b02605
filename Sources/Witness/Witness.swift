#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TransparencyLog

/// A C2SP tlog-witness: cosigns a log's checkpoints once each is proven consistent with the last
/// one it cosigned for that log, and never cosigns two views of one log that disagree.
///
/// An actor, and `addCheckpoint` never suspends: checking the old size against the stored one and
/// storing the new one happen as one step, as the spec demands, or two requests racing could roll
/// the stored size back. The fsyncs run on the actor's thread for that reason, which costs
/// milliseconds per request and suits a witness, asked about once a second per log.
public actor Witness {
    public nonisolated let signer: CosignatureSigner
    /// By origin: a log's key name is its origin line, as the broker signs it.
    private let logs: [String: NoteVerifier]
    private let store: WitnessStateStore
    private var latest: [String: Checkpoint]
    private let now: @Sendable () -> UInt64

    /// Loads the state `stateDirectory` holds, creating the directory if it is missing.
    public init(
        signer: CosignatureSigner,
        logs: [NoteVerifier],
        stateDirectory: String,
        now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }
    ) throws(WitnessStateError) {
        var byOrigin: [String: NoteVerifier] = [:]
        for log in logs {
            guard byOrigin.updateValue(log, forKey: log.name) == nil else { throw .duplicateLog(origin: log.name) }
        }
        self.signer = signer
        self.logs = byOrigin
        store = try WitnessStateStore(directory: stateDirectory)
        latest = try store.loadAll()
        self.now = now
    }

    /// The checkpoint last cosigned for `origin`, nil if none was.
    public func latestCheckpoint(origin: String) -> Checkpoint? {
        latest[origin]
    }

    /// Checks the request as tlog-witness lists, in its order, stores the checkpoint durably,
    /// and only then returns its cosignature.
    public func addCheckpoint(_ request: AddCheckpointRequest) throws(WitnessError) -> [Cosignature] {
        // Bytes, not Characters: "\r\n" is one Character, which would carry the origin past its line.
        let origin = String(decoding: request.signedCheckpoint.utf8.prefix { $0 != 0x0A }, as: UTF8.self)
        guard let log = logs[origin] else { throw .unknownLog(origin: origin) }
        let (checkpoint, text) = try Self.open(request.signedCheckpoint, with: log)

        guard request.oldSize <= checkpoint.size else {
            throw .oldSizeBeyondCheckpoint(oldSize: request.oldSize, checkpointSize: checkpoint.size)
        }
        // Never cosigned: the empty tree, which every tree extends. The origin is a valid key name, so a valid origin.
        let previous = latest[origin] ?? (try! Checkpoint(origin: origin, size: 0, rootHash: MerkleHasher.emptyRoot))
        guard request.oldSize == previous.size else { throw .sizeMismatch(oldSize: request.oldSize, witnessSize: previous.size) }
        if checkpoint.size == previous.size, checkpoint.rootHash != previous.rootHash { throw .rootMismatch(size: checkpoint.size) }
        do {
            try MerkleVerifier.verifyConsistency(
                from: previous.size, to: checkpoint.size, proof: request.proof, fromRoot: previous.rootHash, toRoot: checkpoint.rootHash)
        } catch {
            throw .inconsistent("\(error)")
        }

        let cosignature: Cosignature
        do {
            cosignature = try signer.cosign(text, time: now())
        } catch {
            throw .cosigningFailed("\(error)")
        }
        try store.save(checkpoint)
        latest[origin] = checkpoint
        return [cosignature]
    }

    private static func open(_ signedCheckpoint: String, with log: NoteVerifier) throws(WitnessError) -> (Checkpoint, String) {
        let text: String
        do {
            text = try log.open(signedCheckpoint)
        } catch let error as NoteError {
            if case .malformedNote = error { throw .malformedRequest("\(error)") }
            throw .invalidLogSignature(error)
        } catch {
            throw .malformedRequest("\(error)")
        }
        do {
            return (try Checkpoint(parsing: text), text)
        } catch {
            throw .malformedRequest("\(error)")
        }
    }
}
