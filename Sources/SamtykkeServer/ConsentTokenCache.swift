import Foundation
import SamtykkeCore
import SamtykkeJOSE

/// Consent tokens already signed, one per consent, so a bank fetching several bundles in a row
/// costs one signature, as Altinn's tokens are meant to be used: for their lifetime. A token is
/// handed out again only while it says exactly what a fresh one would (terms, parties, issuer,
/// audience, client certificate) and has `minRemaining` left, so it cannot expire in flight.
/// Whether the consent may be used is not the token's business: the bundle service checks that
/// on every request before it asks for a token.
actor ConsentTokenCache {
    private struct Entry {
        let token: String
        let claims: ConsentTokenClaims
    }

    private let capacity: Int
    private let minRemaining: TimeInterval
    private var entries: [ConsentID: Entry] = [:]

    init(capacity: Int = 10_000, minRemaining: TimeInterval = 15) {
        self.capacity = capacity
        self.minRemaining = minRemaining
    }

    /// The signed token for `fresh`'s consent, when the one kept still fits it at `now`.
    func token(matching fresh: ConsentTokenClaims, for id: ConsentID, now: Date) -> String? {
        guard let entry = entries[id] else { return nil }
        guard Self.sameGrant(entry.claims, fresh), Double(entry.claims.exp) - now.timeIntervalSince1970 >= minRemaining else {
            entries[id] = nil
            return nil
        }
        return entry.token
    }

    func keep(_ token: String, claims: ConsentTokenClaims, for id: ConsentID, now: Date) {
        if entries[id] == nil, entries.count >= capacity {
            // Tokens past use go first; if every one is still good, the one closest to its end.
            let cutoff = now.timeIntervalSince1970 + minRemaining
            entries = entries.filter { Double($0.value.claims.exp) >= cutoff }
            if entries.count >= capacity, let soonest = entries.min(by: { $0.value.claims.exp < $1.value.claims.exp }) {
                entries[soonest.key] = nil
            }
        }
        entries[id] = Entry(token: token, claims: claims)
    }

    func forget(_ id: ConsentID) {
        entries[id] = nil
    }

    /// Everything but the token's own times and id.
    private static func sameGrant(_ a: ConsentTokenClaims, _ b: ConsentTokenClaims) -> Bool {
        a.iss == b.iss && a.aud == b.aud && a.cnf == b.cnf && a.authorization_details == b.authorization_details
    }
}
