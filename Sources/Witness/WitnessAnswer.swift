import TransparencyLog

/// What a witness answers to one `add-checkpoint` it accepts as well formed and signed.
public enum WitnessAnswer: Sendable, Equatable {
    case cosigned(Cosignature)
    /// 409 `text/x.tlog.size`: prove from this size, the one it last cosigned.
    case sizeConflict(witnessSize: UInt64)
}
