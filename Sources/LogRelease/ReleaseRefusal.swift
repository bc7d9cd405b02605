/// Why data is not released: which of SPEC §5's four checks failed, and how.
public struct ReleaseRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// SPEC §5 "Release against the log", in its order.
    public enum Check: Int, Sendable, CaseIterable {
        /// 1: inclusion, the log's signature, a quorum of cosignatures, the newest at most 60 s old.
        case proof = 1
        /// 2: a `data.requested` entry that opens to this token's consent, person and bank, and its tag.
        case entry = 2
        /// 3: the monitor, up to the proof's tree, has seen no terminal entry for the consent.
        case monitor = 3
        /// 4: nothing was released for this entry before.
        case release = 4

        /// A short name, what a problem document's title and logs say.
        public var name: String {
            switch self {
            case .proof: "log proof"
            case .entry: "log entry"
            case .monitor: "log monitor"
            case .release: "one release per entry"
            }
        }
    }

    public let check: Check
    public let reason: String

    public init(_ check: Check, _ reason: String) {
        self.check = check
        self.reason = reason
    }

    public var description: String { "check \(check.rawValue) (\(check.name)) failed: \(reason)" }
}
