import NIOCore
import Synchronization

/// How many connections each peer address holds, so that one address cannot take the whole
/// connection cap: past `limit` its new connections are closed as they are accepted, before the
/// broker reads a byte from them, and the cap stays free for everyone else. Addresses count as the
/// per-address rate limit counts them (IPv6 by its /64). This is the TCP peer: `X-Forwarded-For`
/// comes later, in a request, so a trusted proxy's own connections are not counted at all (it carries
/// many clients, and only the global cap applies to it; limit its clients' connections in the proxy).
final class AddressConnections: Sendable {
    private let limit: Int
    private let exempt: [IPNetwork]
    private let held = Mutex<[String: Int]>([:])

    init(limit: Int, exempt: [IPNetwork]) {
        self.limit = limit
        self.exempt = exempt
    }

    /// Counts `channel` against its peer until it closes; false, counting nothing, when that peer
    /// already holds `limit` connections.
    func admit(_ channel: any Channel) -> Bool {
        guard let peer = channel.remoteAddress?.ipAddress, !exempt.contains(where: { $0.contains(peer) }) else { return true }
        let key = IPNetwork.limitKey(for: peer)
        let admitted = held.withLock { held in
            guard held[key, default: 0] < limit else { return false }
            held[key, default: 0] += 1
            return true
        }
        if admitted { channel.closeFuture.whenComplete { [self] _ in release(key) } }
        return admitted
    }

    private func release(_ key: String) {
        held.withLock { held in
            let left = held[key, default: 1] - 1
            held[key] = left > 0 ? left : nil
        }
    }
}
