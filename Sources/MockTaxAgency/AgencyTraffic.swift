import Synchronization

/// What reached the data route, recorded by the agency itself: what a test compares with what the
/// broker claims to have sent (retries included), from the side that cannot be fooled by the
/// broker's own bookkeeping.
///
/// Bounded: an agency under load for hours sees millions of requests, and a consent token with its
/// log proof is kilobytes, so only the latest `kept` tokens are held; the count covers them all.
public final class AgencyTraffic: Sendable {
    public static let kept = 1024
    private let seen = Mutex<(count: Int, latest: [String?], next: Int)>((0, [], 0))

    public init() {}

    public var dataRequests: Int { seen.withLock { $0.count } }

    /// The bearer token of each of the latest `kept` requests, oldest first; nil where there was none.
    public var tokens: [String?] {
        seen.withLock { seen in Array(seen.latest[seen.next...] + seen.latest[..<seen.next]) }
    }

    func record(token: String?) {
        seen.withLock { seen in
            seen.count += 1
            if seen.latest.count < Self.kept {
                seen.latest.append(token)
            } else {
                seen.latest[seen.next] = token
                seen.next = (seen.next + 1) % Self.kept
            }
        }
    }
}
