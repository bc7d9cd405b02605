import Synchronization

/// What reached the data route, recorded by the agency itself: what a test compares with what the
/// broker claims to have sent (retries included), from the side that cannot be fooled by the
/// broker's own bookkeeping.
public final class AgencyTraffic: Sendable {
    private let seen = Mutex<[String?]>([])

    public init() {}

    public var dataRequests: Int { seen.withLock { $0.count } }

    /// The bearer token of each request, in the order they came; nil where there was none.
    public var tokens: [String?] { seen.withLock { $0 } }

    func record(token: String?) { seen.withLock { $0.append(token) } }
}
