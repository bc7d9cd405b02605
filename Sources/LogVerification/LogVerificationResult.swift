/// The outcome of verifying a log, as a value: tests and the CLI both switch over it, and a
/// failure carries the first bad index (modelled on swift-certificates' `VerificationResult`).
public enum LogVerificationResult: Sendable, Hashable {
    case verified(VerifiedLog)
    case failed(LogVerificationFailure)
}
