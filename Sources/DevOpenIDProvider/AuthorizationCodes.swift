import Foundation
import SamtykkeCore

/// The codes handed out and not yet exchanged. A code is taken out at its first exchange, whatever
/// the outcome, so it can never be exchanged twice (RFC 6749 §4.1.2), and is good only for a short while.
actor AuthorizationCodes {
    struct Grant: Sendable {
        let request: AuthorizationRequest
        let pid: PersonID
        let expires: Date
    }

    private var pending: [String: Grant] = [:]
    private let lifetime: TimeInterval

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    func issue(_ request: AuthorizationRequest, pid: PersonID, now: Date) -> String {
        pending = pending.filter { $0.value.expires > now }
        let code = Base64URL.encode(RandomBytes.make(32))
        pending[code] = Grant(request: request, pid: pid, expires: now + lifetime)
        return code
    }

    /// The grant behind `code`, once; nil when unknown, used already or expired.
    func redeem(_ code: String, now: Date) -> Grant? {
        guard let grant = pending.removeValue(forKey: code), grant.expires > now else { return nil }
        return grant
    }
}
