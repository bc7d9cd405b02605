import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// The longest credential worth looking at. API keys are under 100 bytes and ID-porten's ID tokens a
/// few KiB; anything longer is refused before it is parsed or its signature checked.
let maxCredentialBytes = 8 * 1024

/// The schemes a credential is sent under: RFC 6750's and RFC 9449's.
enum CredentialScheme: String, Sendable {
    case bearer = "Bearer"
    case dpop = "DPoP"

    /// A credential of this scheme was sent and refused, with the challenge of its scheme.
    func refused(_ detail: String, error: String) -> Problem {
        self == .dpop ? Problem.unauthorized(detail, dpopError: error) : Problem.unauthorized(detail, bearerError: error)
    }
}

/// Reads `Authorization: Bearer <credential>` (RFC 6750 §2.1: the scheme in any case, one or more
/// spaces); anything else, including a second Authorization header, is a 401. Without a Bearer
/// credential the challenge carries no error code; a credential that is there but unusable is an
/// `invalid_token` (RFC 6750 §3.1).
func bearer(_ request: Request) throws -> String {
    try authorization(request, schemes: [.bearer]).credential
}

/// `bearer(_:)` for any of `schemes`; with DPoP (RFC 9449 §7.1) the same syntax, and the refusal
/// challenges in DPoP's terms.
func authorization(_ request: Request, schemes: [CredentialScheme]) throws -> (scheme: CredentialScheme, credential: String) {
    let values = request.headers[values: .authorization]
    guard let value = values.first else {
        throw Problem.unauthorized("send Authorization: Bearer <credential>")
    }
    guard values.count == 1 else {
        throw Problem.unauthorized("send one Authorization header, not \(values.count)", bearerError: "invalid_request")
    }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, let scheme = schemes.first(where: { $0.rawValue.lowercased() == parts[0].lowercased() }) else {
        throw Problem.unauthorized("the Authorization header is not a Bearer credential")
    }
    let credential = parts[1].drop { $0 == " " }
    // By byte: `contains` of a string is Foundation's search, which for an access token's length
    // cost more than the rest of this function.
    guard !credential.isEmpty, !credential.utf8.contains(UInt8(ascii: " ")) else {
        throw scheme.refused("the Authorization header is not a \(scheme.rawValue) credential", error: "invalid_token")
    }
    guard credential.utf8.count <= maxCredentialBytes else {
        throw scheme.refused("the credential is longer than \(maxCredentialBytes) bytes", error: "invalid_token")
    }
    return (scheme, String(credential))
}

/// Lets through only requests with a valid API key of the given role.
struct APIKeyAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let parties: any PartyStore
    let role: APIKey.Role
    let recent = RecentKeys()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let credential = try bearer(request)
        guard let principal = try await recent.principal(of: credential, lookup: { try await parties.authenticate(credential) }) else {
            throw Problem.unauthorized("the API key is unknown or revoked", bearerError: "invalid_token")
        }
        context.credential = "api-key"
        switch (role, principal) {
        case (.bank, .bank(let org)): context.caller = .bank(org)
        case (.auditor, .auditor(let name)): context.caller = .auditor(name: name)
        default: throw Problem(.forbidden, "wrong-party", "This key may not use this endpoint")
        }
        return try await next(request, context)
    }
}

/// Lets through only requests of a citizen: with a valid ID token, or a live session (SPEC §2b)
/// where `sessions` allows it. The session exchange takes ID tokens only (a session cannot renew
/// itself), logout sessions only.
struct IDTokenAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: any CitizenSessionStore
    let idTokens: IDTokenVerifier
    /// The client `samtykke login` uses (`CitizenLogin.cliClientID`): its ID tokens are exchanged for sessions.
    let cliClientID: String?
    /// The broker's time (`Broker.now`), and its clock unrounded for ID tokens (`Broker.clock`).
    let now: @Sendable () -> Date
    let clock: @Sendable () -> Date
    var accepts: Accepted = .idTokenOrSession

    enum Accepted: Sendable {
        case idTokenOrSession, idTokenOnly, sessionOnly
    }

    /// The same authenticator, taking only `accepted` credentials.
    func accepting(_ accepted: Accepted) -> Self {
        var only = self
        only.accepts = accepted
        return only
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let token = try bearer(request)
        let person: PersonID
        var context = context
        if token.hasPrefix(CitizenSession.tokenPrefix), accepts != .idTokenOnly {
            guard let session = try await sessions.citizenSession(idHash: CitizenSession.hash(token), now: now()) else {
                throw Problem.unauthorized("the session has ended or expired; log in again", bearerError: "invalid_token")
            }
            person = session.person
            context.credential = "session"
        } else {
            guard accepts != .sessionOnly else {
                throw Problem.unauthorized("send the session from POST /v1/citizen-sessions as the Bearer credential", bearerError: "invalid_token")
            }
            person = try await verified(token, context: context)
            context.credential = "id-token"
        }
        context.caller = .citizen(person)
        context.logger[metadataKey: "caller"] = "citizen"
        return try await next(request, context)
    }

    private func verified(_ token: String, context: Context) async throws -> PersonID {
        do {
            let audiences: Set<String>? = accepts == .idTokenOnly ? Set([idTokens.configuration.audience] + [cliClientID].compactMap { $0 }) : nil
            return try await idTokens.verify(token, now: clock(), audiences: audiences)
        } catch {
            // The caller learns which rule it broke, in our words; what a parser or a key load said
            // is for the operator's log only. JOSEError never carries the token.
            context.logger.notice("ID token refused", metadata: ["reason": "\(error)"])
            throw Problem.unauthorized(Self.publicReason(error), bearerError: "invalid_token")
        }
    }

    static func publicReason(_ error: JOSEError) -> String {
        switch error {
        case .claim(let why): "the ID token was refused: \(why)"
        case .malformed: "the ID token is malformed"
        case .badSignature: "the ID token's signature does not verify with the ID provider's keys"
        case .key: "the ID provider's keys are not available; try again later"
        }
    }
}
