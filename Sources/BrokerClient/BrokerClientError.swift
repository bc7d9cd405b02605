/// The broker could not be reached, or answered in a way the client cannot use. (A refusal the
/// broker explains comes as its `BrokerClient.Problem` instead.)
public enum BrokerClientError: Error, CustomStringConvertible {
    case unreachable(server: String, cause: any Error)
    /// An error status without a problem document.
    case status(Int)
    case unreadable(cause: any Error)
    case entryNotBase64(index: UInt64)
    case proofHashNotBase64(position: Int)
    case notALogKey(url: String, cause: any Error)
    case checkpointDoesNotVerify(cause: any Error)
    case tileSize(tile: String, bytes: Int)

    public var description: String {
        switch self {
        case .unreachable(let server, let cause): "cannot reach the broker at \(server): \(cause)"
        case .status(let status): "the broker answered \(status)"
        case .unreadable(let cause): "the broker's answer could not be read: \(cause)"
        case .entryNotBase64(let index): "the broker served entry \(index) without base64 leaf bytes"
        case .proofHashNotBase64(let position): "proof hash \(position) from the broker is not base64 of 32 bytes"
        case .notALogKey(let url, let cause): "\(url) is not a note verifier key: \(cause)"
        case .checkpointDoesNotVerify(let cause): "the broker's checkpoint does not verify with the log key: \(cause)"
        case .tileSize(let tile, let bytes): "the broker's hash tile 0/\(tile) is \(bytes) bytes, not 32 for each hash"
        }
    }
}
