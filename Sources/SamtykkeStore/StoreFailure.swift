/// Why the database could not do what was asked: it did not answer or failed a statement, it holds
/// something no valid sequence of operations could have written, or its schema is not one this broker
/// can migrate. Never the caller's doing, unlike a `StorageError` (the domain's refusals): the server
/// answers 503 or 500 and logs the cause, the command line prints it on one line.
public struct StoreFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The database did not answer or failed a statement; a retry may succeed.
        case unavailable
        /// The database holds something no valid sequence of operations could have written.
        case corrupt
        /// The schema is not one this broker can bring up to date; waiting will not change that.
        case schema
    }

    public let kind: Kind
    /// What went wrong, in words that name no stored personal data.
    public let reason: String
    /// The database library's error behind it, when there is one.
    public let cause: (any Error & Sendable)?

    public init(_ kind: Kind, _ reason: String, cause: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.reason = reason
        self.cause = cause
    }

    public static func corrupt(_ reason: String) -> StoreFailure { StoreFailure(.corrupt, reason) }

    /// The log never loses a node it wrote, so one that is not there is `corrupt`.
    public static func missingNode(level: Int, index: UInt64) -> StoreFailure {
        .corrupt("the Merkle node at level \(level), index \(index) is missing")
    }

    public var description: String {
        switch kind {
        case .corrupt: "the database is inconsistent: \(reason)"
        case .unavailable, .schema: reason
        }
    }
}
