import Foundation
import SamtykkeCore

/// Turns a citizen's ID token into the `PersonID` it speaks for, or refuses it.
///
/// Keys come from the provider's JWKS through `loadJWKS`; they are cached, and an unknown `kid`
/// triggers one reload (rate-limited) so the provider can rotate keys without a broker restart. The
/// cache is also refreshed once it is `maximumKeyAge` old, so a key the provider withdrew stops
/// being trusted even if no new key ever shows up.
public actor IDTokenVerifier {
    public struct Configuration: Sendable {
        public var issuer: String
        public var audience: String
        public var acceptedACR: Set<String>
        public var allowedAlgorithms: Set<String>
        /// Leeway for clocks that disagree a little.
        public var clockSkew: TimeInterval
        /// The longest `exp - iat` accepted. ID-porten's ID tokens live 120 s; a token meant to
        /// live for years is a stolen signing key or a provider misconfigured, not a login.
        public var maximumLifetime: TimeInterval
        public static let defaultMaximumLifetime: TimeInterval = 600
        /// The shortest time between two JWKS reloads.
        public var minimumReloadInterval: TimeInterval
        /// The longest time keys are used without asking the provider again.
        public var maximumKeyAge: TimeInterval

        public init(
            issuer: String,
            audience: String,
            acceptedACR: Set<String> = ["idporten-loa-substantial", "idporten-loa-high"],
            allowedAlgorithms: Set<String> = ["RS256", "ES256", "PS256"],
            clockSkew: TimeInterval = 30,
            maximumLifetime: TimeInterval = Configuration.defaultMaximumLifetime,
            minimumReloadInterval: TimeInterval = 30,
            maximumKeyAge: TimeInterval = 3600
        ) {
            self.issuer = issuer
            self.audience = audience
            self.acceptedACR = acceptedACR
            self.allowedAlgorithms = allowedAlgorithms
            self.clockSkew = clockSkew
            self.maximumLifetime = maximumLifetime
            self.minimumReloadInterval = minimumReloadInterval
            self.maximumKeyAge = maximumKeyAge
        }
    }

    nonisolated public let configuration: Configuration
    private let loadJWKS: @Sendable () async throws -> String
    private var verifier: JWSVerifier?
    /// When the JWKS was last asked for, whether or not that worked: the rate limit runs from here,
    /// so a provider that is down is not asked again on every request.
    private var lastLoad: Date?
    /// When the keys in `verifier` were loaded.
    private var loadedAt: Date?
    /// The load under way, which every caller that needs keys meanwhile waits for instead of
    /// starting its own (the actor is re-entered while it waits).
    private var loading: Task<JWSVerifier, any Error>?

    public init(configuration: Configuration, loadJWKS: @escaping @Sendable () async throws -> String) {
        self.configuration = configuration
        self.loadJWKS = loadJWKS
    }

    /// `audiences` replaces the configured audience where another client of the same provider may
    /// be the token's (the CLI's, at the session exchange); `nonce`, when given, must be the token's.
    public func verify(_ token: String, now: Date, audiences: Set<String>? = nil, nonce: String? = nil) async throws(JOSEError) -> PersonID {
        let header = try JWSVerifier.header(of: token)
        // OpenID Connect ID tokens carry `JWT` or no `typ`; an access token (`at+jwt`, RFC 9068) or
        // any other kind signed by the same provider is not a login.
        if let typ = header.typ, typ.uppercased() != "JWT" { throw .malformed("typ is \(typ), not an ID token's JWT") }
        let verifier = try await currentVerifier(now: now, reloadIfMissing: header.kid)
        let claims = try await verifier.verify(token, as: IDTokenClaims.self)
        let person = try check(claims, now: now, audiences: audiences ?? [configuration.audience])
        if let nonce, claims.nonce != nonce { throw .claim("the nonce is not the one this login sent") }
        return person
    }

    private func check(_ claims: IDTokenClaims, now: Date, audiences: Set<String>) throws(JOSEError) -> PersonID {
        let t = now.timeIntervalSince1970
        let skew = configuration.clockSkew
        guard claims.iss == configuration.issuer else { throw .claim("iss is not the configured issuer") }
        guard let audience = claims.aud.value.first(where: audiences.contains) else { throw .claim("aud does not name this broker") }
        // OpenID Connect Core §3.1.3.7: with several audiences, azp says whom the token was issued to.
        if claims.aud.value.count > 1 || claims.azp != nil {
            guard claims.azp == audience else { throw .claim("azp must name this broker when aud has several values") }
        }
        guard t < Double(claims.exp) + skew else { throw .claim("the ID token has expired") }
        guard Double(claims.iat) <= t + skew else { throw .claim("the ID token was issued in the future") }
        // In doubles: exp - iat in integers would trap on extreme values.
        guard Double(claims.exp) - Double(claims.iat) <= configuration.maximumLifetime else {
            throw .claim("the ID token lives longer than \(Int(configuration.maximumLifetime)) s")
        }
        guard Double(claims.nbf ?? claims.iat) <= t + skew else { throw .claim("the ID token is not valid yet") }
        guard let acr = claims.acr, configuration.acceptedACR.contains(acr) else {
            throw .claim("acr must be one of \(configuration.acceptedACR.sorted().joined(separator: ", "))")
        }
        guard let pid = claims.pid else { throw .claim("the ID token has no pid") }
        guard let person = try? PersonID(pid) else { throw .claim("pid is not a valid national identity number") }
        return person
    }

    /// The keys to check a token with `kid` against: the cached ones when they know `kid` and are
    /// fresh, or when the last load is too recent to ask again; otherwise freshly loaded ones (the
    /// provider may have rotated). A failed load keeps the keys already held.
    private func currentVerifier(now: Date, reloadIfMissing kid: String?) async throws(JOSEError) -> JWSVerifier {
        if let verifier, let kid, verifier.kids.contains(kid), let loadedAt, now.timeIntervalSince(loadedAt) < configuration.maximumKeyAge {
            return verifier
        }
        if loading == nil, let lastLoad, now.timeIntervalSince(lastLoad) < configuration.minimumReloadInterval {
            if let verifier { return verifier }
            throw .key("the ID provider's JWKS could not be loaded; it is asked at most every \(Int(configuration.minimumReloadInterval)) s")
        }
        let load = loading ?? startLoad(now: now)
        do {
            return try await load.value
        } catch {
            if let verifier { return verifier }
            if let error = error as? JOSEError { throw error }
            throw .key("the ID provider's JWKS could not be loaded: \(error)")
        }
    }

    private func startLoad(now: Date) -> Task<JWSVerifier, any Error> {
        lastLoad = now
        let loadJWKS = loadJWKS
        let algorithms = configuration.allowedAlgorithms
        let task = Task {
            do {
                let fresh = try await JWSVerifier(jwksJSON: try await loadJWKS(), allowedAlgorithms: algorithms)
                finishLoad(fresh, at: now)
                return fresh
            } catch {
                finishLoad(nil, at: now)
                throw error
            }
        }
        loading = task
        return task
    }

    private func finishLoad(_ fresh: JWSVerifier?, at time: Date) {
        loading = nil
        if let fresh {
            verifier = fresh
            loadedAt = time
        }
    }
}
