import Foundation
import Hummingbird
import SamtykkeAPI
import SamtykkeCore
import SamtykkeStore

/// The session exchange `samtykke login` uses (SPEC §2b): the CLI asks which provider and client
/// id to log in with, trades the provider's ID token for a session of at most 30 minutes, and ends
/// it at logout. Every citizen route takes the session as its Bearer credential.
struct CitizenSessionController {
    let sessions: any CitizenSessionStore
    /// Where an ID token is recorded as traded, shared by every instance.
    let uses: LogSequencer
    /// How long an ID token can be live (`IDTokenVerifier.Configuration.maximumLifetime`): its record is kept that long.
    let idTokenLifetime: TimeInterval
    /// The provider and the CLI's client id it names.
    let login: CitizenLogin
    /// The broker's time (`Broker.now`).
    let now: @Sendable () -> Date

    func addPublicRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/citizen-login") { _, _ in
            guard let issuer = login.issuer else {
                throw Problem(.notFound, "not-found", "Not found", detail: "this broker has no ID provider (serve --id-issuer) to log citizens in with")
            }
            guard let clientId = login.cliClientID else {
                throw Problem(.notFound, "not-found", "Not found", detail: "this broker offers no login from the terminal (serve --id-cli-client-id names the client registered for it)")
            }
            return try JSONIO.response(CitizenLoginAnswer(issuer: issuer, clientId: clientId, acrValues: CitizenLogin.acrValues))
        }
    }

    /// `exchange` behind an authenticator that takes ID tokens only, `logout` behind one that takes sessions only.
    func addRoutes(exchange: RouterGroup<AppRequestContext>, logout: RouterGroup<AppRequestContext>) {
        exchange.post { request, context in
            let person = try context.citizen()
            let now = now()
            // One login, one session: an ID token traded once is not traded again, by whoever else
            // saw it, for sessions that would outlive the login by the token's whole life. Known by
            // its header and claims, not its signature, which an ECDSA signature's holder can
            // rewrite into another valid one.
            let signed = try bearer(request).split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: ".")
            let traded = Base64URL.encode(CitizenSession.hash(signed))
            guard try await uses.useOnce(traded, namespace: "id-token", expiresAt: now.addingTimeInterval(idTokenLifetime + 60), now: now) else {
                throw Problem.unauthorized("this ID token was traded for a session before; log in again for another", bearerError: "invalid_token")
            }
            let (token, session) = CitizenSession.issue(for: person, now: now)
            try await sessions.addCitizenSession(session, now: now)
            let body = try JSONIO.bytes(CitizenSessionAnswer(session: token, expiresAt: RFC3339.string(from: session.expiresAt)))
            var response = JSONIO.created(json: body, location: "/v1/citizen-sessions/current")
            response.headers[.cacheControl] = "no-store"
            return response
        }
        logout.delete("current") { request, _ in
            let token = try bearer(request)
            _ = try await sessions.endCitizenSession(idHash: CitizenSession.hash(token))
            return Response(status: .noContent)
        }
    }
}
