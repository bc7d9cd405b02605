/// Why a text is not a C2SP tlog-checkpoint body.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingFinalNewline
    case tooFewLines(Int)
    /// Lines are numbered from 1.
    case emptyLine(Int)
    case invalidOrigin(String)
    case invalidSize(String)
    case invalidRootHash(String)

    public var description: String {
        switch self {
        case .missingFinalNewline:
            "checkpoint does not end with a newline"
        case .tooFewLines(let count):
            "checkpoint has \(count) lines, at least 3 are required (origin, size, root hash)"
        case .emptyLine(let number):
            "checkpoint line \(number) is empty"
        case .invalidOrigin(let origin):
            "invalid checkpoint origin \(String(reflecting: origin)): it must be non-empty, on one line, without control characters"
        case .invalidSize(let size):
            "invalid checkpoint size \(String(reflecting: size)): expected a decimal number without leading zeros"
        case .invalidRootHash(let root):
            "invalid checkpoint root hash \(String(reflecting: root)): expected base64 of 32 bytes"
        }
    }
}
