/// Why an audit receipt does not prove its entry (a bundle's, an answer's) is on the log.
public enum ReceiptError: Error, CustomStringConvertible {
    case notALogKey(cause: any Error)
    case notSigned(cause: any Error)
    case notCosigned(cause: any Error)
    case treeSize(receipt: UInt64, checkpoint: UInt64)
    case entryNotBase64
    case notAnEntry(cause: any Error)
    /// A v2 entry came without the opening that says what it is about.
    case noOpening
    /// The entry is not the one the answer it came with wrote.
    case otherEntry(String)
    case index(entry: UInt64, receipt: UInt64)
    case notBundleIssued(type: String)
    /// The entry logs another bundle's digest.
    case otherBundle
    case proofHashNotBase64(position: Int)
    case proofDoesNotHold(cause: any Error)

    public var description: String {
        switch self {
        case .notALogKey(let cause): "the log key is not a note verifier key: \(cause)"
        case .notSigned(let cause): "the receipt's checkpoint is not signed by the log key: \(cause)"
        case .notCosigned(let cause): "the receipt's checkpoint is not cosigned by every required witness: \(cause)"
        case .treeSize(let receipt, let checkpoint): "the receipt's tree size \(receipt) is not the checkpoint's \(checkpoint)"
        case .entryNotBase64: "the receipt's entry is not base64"
        case .notAnEntry(let cause): "the receipt's entry is not a log entry, or its opening does not open it: \(cause)"
        case .noOpening: "the receipt's entry is a v2 entry, and the receipt carries no opening"
        case .otherEntry(let why): "the receipt's entry is not the one this answer wrote: \(why)"
        case .index(let entry, let receipt): "the entry says index \(entry), the receipt \(receipt)"
        case .notBundleIssued(let type): "the entry is \(type), not bundle.issued"
        case .otherBundle: "the log entry's bundleSha256 is not this bundle's SHA-256"
        case .proofHashNotBase64(let position): "inclusion proof hash \(position) is not a base64 SHA-256"
        case .proofDoesNotHold(let cause): "the inclusion proof does not hold: \(cause)"
        }
    }
}
