import Crypto
import Foundation
import SamtykkeCore

/// Citizens' sessions (the consent pages' cookie and the CLI's `login`) and the web logins under way
/// (SPEC §2b). Kept in the store so that every instance knows them: a login that started on one
/// instance may come back on another, and a logout counts on all of them at once.
public protocol CitizenSessionStore: Sendable {
    /// Keeps `session` and forgets every session that has expired by `now`.
    func addCitizenSession(_ session: CitizenSession, now: Date) async throws
    /// The live session whose token hashes to `idHash`; nil when there is none, it ended or it expired.
    func citizenSession(idHash: [UInt8], now: Date) async throws -> CitizenSession?
    /// Ends the session (logout); false when there was no such session.
    func endCitizenSession(idHash: [UInt8]) async throws -> Bool
    /// Keeps a login under way and forgets every one that has expired by `now`.
    func addPendingLogin(_ login: PendingLogin, now: Date) async throws
    /// The login whose `state` hashes to `stateHash`, removed in the same step so it is used once;
    /// nil when there is none or it expired.
    func takePendingLogin(stateHash: [UInt8], now: Date) async throws -> PendingLogin?
}

/// A citizen's session: one person, at most 30 minutes. The store keeps only the SHA-256 of its
/// token, so a copy of the database holds no live session; the token itself is handed out once.
public struct CitizenSession: Sendable, Hashable {
    public let idHash: [UInt8]
    public let person: PersonID
    /// The session's CSRF token for the pages' forms: random, and another session's never matches.
    public let csrfToken: String
    public let createdAt: Date
    public let expiresAt: Date

    /// SPEC §2b: at most 30 minutes.
    public static let lifetime: TimeInterval = 30 * 60

    public init(idHash: [UInt8], person: PersonID, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.idHash = idHash
        self.person = person
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// What every session token starts with, so a bearer credential is told from an ID token (a JWT)
    /// without parsing it.
    public static let tokenPrefix = "scs_"

    /// A fresh session for `person` from `now`, and its token (`scs_` and 256 random bits,
    /// base64url), which only the citizen gets.
    public static func issue(for person: PersonID, now: Date, lifetime: TimeInterval = Self.lifetime) -> (token: String, session: CitizenSession) {
        let token = tokenPrefix + SessionSecret.random()
        let session = CitizenSession(
            idHash: hash(token), person: person, csrfToken: SessionSecret.random(), createdAt: now,
            expiresAt: now.addingTimeInterval(min(lifetime, Self.lifetime))
        )
        return (token, session)
    }

    /// What the store keys a session (and a pending login's state) by.
    public static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }
}

/// An OpenID Connect login the broker started and waits to see come back at its callback: what
/// the callback checks (`state`, by its hash; `nonce`), proves (the PKCE verifier) and where it
/// sends the citizen after (a path on the broker, never another site).
public struct PendingLogin: Sendable, Hashable {
    public let stateHash: [UInt8]
    public let nonce: String
    public let codeVerifier: String
    public let returnTo: String
    public let expiresAt: Date

    /// Long enough to type a number at the provider, short enough that a stale tab does not linger.
    public static let lifetime: TimeInterval = 10 * 60

    public init(stateHash: [UInt8], nonce: String, codeVerifier: String, returnTo: String, expiresAt: Date) {
        self.stateHash = stateHash
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.returnTo = returnTo
        self.expiresAt = expiresAt
    }
}

/// 256 random bits from the system's CSPRNG, base64url without padding: session tokens, CSRF
/// tokens, OpenID `state`, `nonce` and PKCE verifiers (43 characters, as RFC 7636 §4.1 allows).
public enum SessionSecret {
    public static func random() -> String {
        Base64URL.encode(RandomBytes.make(32))
    }
}

/// The exact URLs a bank may send its customers back to (SPEC §2b). Registering one writes no log entry.
public protocol RedirectURIStore: Sendable {
    /// Registers `uri` for `org` (`bankNotFound`); registering one it has is a no-op, false.
    func addRedirectURI(_ uri: RedirectURI, org: OrgNumber, now: Date) async throws -> Bool
    /// A bank's redirect URIs, oldest first.
    func redirectURIs(of org: OrgNumber) async throws -> [RedirectURI]
    /// Removes one; false when the bank has no such URI.
    func removeRedirectURI(_ uri: RedirectURI, org: OrgNumber) async throws -> Bool
}
