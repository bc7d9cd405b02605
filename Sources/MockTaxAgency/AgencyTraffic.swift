import Synchronization

/// How many requests reached the data route, counted by the agency itself: what a test compares with
/// what the broker claims to have sent (retries included), from the side that cannot be fooled by
/// the broker's own bookkeeping.
public final class AgencyTraffic: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public var dataRequests: Int { count.load(ordering: .relaxed) }

    func record() { count.add(1, ordering: .relaxed) }
}
