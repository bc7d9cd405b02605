import Crypto
import SamtykkeStore
import Synchronization

/// API keys (and banks' registered keys behind access tokens) that authenticated within the last
/// second, by the SHA-256 of the presented key: a bank or an auditor sending hundreds of requests a
/// second costs the store one key lookup a second instead of one a request (an auditor reads a
/// million-entry log in some 4,000 requests).
///
/// The price is that a key revoked (`samtykke bank revoke-key` or `bank key remove`, from any
/// machine) may keep working on an instance for up to `lifetime`. Only keys that were accepted are kept, so unknown keys
/// cannot fill it, and never the key itself.
final class RecentKeys: Sendable {
    let lifetime: Duration
    /// Far more keys than send requests within one lifetime; past it the table starts over.
    static let capacity = 4_096

    private struct Accepted {
        let principal: Principal
        let until: ContinuousClock.Instant
    }

    private let accepted = Mutex<[SHA256Digest: Accepted]>([:])

    init(lifetime: Duration = .seconds(1)) {
        self.lifetime = lifetime
    }

    /// The principal of `credential`: from the table while it is fresh, else what `lookup` says.
    func principal(of credential: String, lookup: () async throws -> Principal?) async throws -> Principal? {
        let digest = SHA256.hash(data: Array(credential.utf8))
        let now = ContinuousClock.now
        if let kept = accepted.withLock({ $0[digest] }), kept.until > now { return kept.principal }
        guard let principal = try await lookup() else {
            accepted.withLock { _ = $0.removeValue(forKey: digest) }
            return nil
        }
        accepted.withLock { table in
            if table.count >= Self.capacity, table[digest] == nil { table.removeAll(keepingCapacity: true) }
            table[digest] = Accepted(principal: principal, until: now.advanced(by: lifetime))
        }
        return principal
    }
}
