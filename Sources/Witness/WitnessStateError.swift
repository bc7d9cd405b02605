/// Why a witness could not start from its state directory, or with its configuration.
public enum WitnessStateError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// Two log keys name the same origin, so the witness could not tell which one a checkpoint needs.
    case duplicateLog(origin: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read the witness state \(path): \(reason)"
        case .duplicateLog(let origin):
            "two log keys are configured for the origin \(String(reflecting: origin))"
        }
    }
}
