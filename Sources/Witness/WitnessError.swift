import TransparencyLog

/// Why a witness refused a checkpoint, one case per answer C2SP tlog-witness prescribes.
public enum WitnessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 400: the body is not `old <size>`, proof lines, a blank line and a checkpoint.
    case malformedRequest(String)
    /// 404: no log key is configured for this origin.
    case unknownLog(origin: String)
    /// 403: no signature of the log's key verifies over the checkpoint.
    case invalidLogSignature(NoteError)
    /// 400: the old size is larger than the checkpoint's.
    case oldSizeBeyondCheckpoint(oldSize: UInt64, checkpointSize: UInt64)
    /// 409 with `text/x.tlog.size`: the client proved from another size than the one this witness
    /// last cosigned, which it must prove from.
    case sizeMismatch(oldSize: UInt64, witnessSize: UInt64)
    /// 409: the checkpoint has the size this witness last cosigned but another root, a fork.
    case rootMismatch(size: UInt64)
    /// 422: the consistency proof does not lead from what this witness cosigned to the checkpoint.
    case inconsistent(String)
    /// 500: the new state could not be made durable, so nothing was cosigned.
    case stateNotSaved(String)
    /// 500: the witness's key or clock failed it (a time beyond 2^63 - 1), so nothing was stored.
    case cosigningFailed(String)

    public var description: String {
        switch self {
        case .malformedRequest(let reason):
            "malformed add-checkpoint request: \(reason)"
        case .unknownLog(let origin):
            "unknown log \(String(reflecting: origin))"
        case .invalidLogSignature(let error):
            "the checkpoint is not signed by the log's key: \(error)"
        case .oldSizeBeyondCheckpoint(let oldSize, let checkpointSize):
            "old size \(oldSize) is larger than the checkpoint's size \(checkpointSize)"
        case .sizeMismatch(let oldSize, let witnessSize):
            "old size \(oldSize) is not \(witnessSize), the size this witness last cosigned"
        case .rootMismatch(let size):
            "the checkpoint's root for size \(size) differs from the one this witness cosigned: the log forked"
        case .inconsistent(let reason):
            "the consistency proof does not verify: \(reason)"
        case .stateNotSaved(let reason):
            "the witness could not save its state: \(reason)"
        case .cosigningFailed(let reason):
            "the witness could not cosign: \(reason)"
        }
    }
}
