import TransparencyLog

/// The log's newest checkpoint as a verifier takes it: signed by the log key it trusts, cosigned by
/// each witness it requires, of the same log and key as the checkpoint trusted from its last run.
struct SignedHead {
    let checkpoint: Checkpoint
    let note: String
    let cosignatures: [Cosignature]
    /// The checkpoint of the last run, re-verified; nil on a first run.
    let trusted: Checkpoint?

    static func fetch(
        from source: some LogSource, logKey: String, trusted state: AuditState?, witnessKeys: [String]
    ) async throws -> SignedHead {
        let verifier = try NoteVerifier(verifierKey: logKey)
        let witnesses = CosignedCheckpointVerifier(log: verifier, witnesses: try witnessKeys.map(CosignatureVerifier.init(verifierKey:)))
        if let state, state.logKey != logKey {
            throw LogVerificationFailure(.logKeyChanged(trusted: state.logKey, published: logKey))
        }
        let trusted = try state?.trusted()
        let note = try await source.signedCheckpoint()
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.open(note, verifier: verifier)
        } catch {
            throw LogVerificationFailure(.badCheckpoint("\(error)"))
        }
        let cosignatures: [Cosignature]
        do {
            cosignatures = try witnesses.verify(note).cosignatures
        } catch {
            throw LogVerificationFailure(.notWitnessed("\(error)"))
        }
        if let trusted, trusted.origin != checkpoint.origin {
            throw LogVerificationFailure(.originChanged(trusted: trusted.origin, published: checkpoint.origin))
        }
        return SignedHead(checkpoint: checkpoint, note: note, cosignatures: cosignatures, trusted: trusted)
    }
}
