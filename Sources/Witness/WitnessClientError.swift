import TransparencyLog

/// Why a witness did not cosign a checkpoint a `WitnessClient` submitted.
public enum WitnessClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The witness refused, with a status other than 200 or a size conflict; `message` is its
    /// body's first line. 409 here (without `text/x.tlog.size`) means it saw another root for this size.
    case refused(status: Int, message: String)
    /// The witness already cosigned a larger tree of this log: the log was rolled back, or forked.
    case witnessAhead(witnessSize: UInt64, checkpointSize: UInt64)
    /// Proven from the size the witness asked for, it still asks for another one.
    case sizeConflictPersists(witnessSize: UInt64)
    /// 200, but without a cosignature by the witness's key that verifies over the checkpoint.
    case invalidCosignature(NoteError)
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .refused(let status, let message):
            "the witness refused the checkpoint (HTTP \(status)): \(message)"
        case .witnessAhead(let witnessSize, let checkpointSize):
            "the witness has cosigned \(witnessSize) entries of this log, more than the checkpoint's \(checkpointSize)"
        case .sizeConflictPersists(let witnessSize):
            "the witness still expects a proof from size \(witnessSize)"
        case .invalidCosignature(let error):
            "the witness's answer holds no valid cosignature: \(error)"
        case .malformedResponse(let reason):
            "malformed answer from the witness: \(reason)"
        }
    }
}
