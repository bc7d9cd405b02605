import Hummingbird
import SamtykkeCore
import SamtykkeStorage

/// Reads `Authorization: Bearer <credential>`; anything else is a 401.
func bearer(_ request: Request) throws -> String {
    guard let value = request.headers[.authorization] else {
        throw Problem.unauthorized("send Authorization: Bearer <credential>")
    }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
        throw Problem.unauthorized("the Authorization header is not a Bearer credential")
    }
    return String(parts[1])
}

/// Lets through only requests with a valid API key of the given role.
struct APIKeyAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let database: SamtykkeDatabase
    let role: APIKey.Role

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let credential = try bearer(request)
        guard let principal = try await database.authenticate(credential) else {
            throw Problem.unauthorized("the API key is unknown or revoked")
        }
        var context = context
        switch (role, principal) {
        case (.bank, .bank(let org)): context.caller = .bank(org)
        case (.auditor, .auditor(let name)): context.caller = .auditor(name: name)
        default: throw Problem(.forbidden, "wrong-party", "This key may not use this endpoint")
        }
        return try await next(request, context)
    }
}

/// Lets through only requests with a valid citizen ID token.
struct IDTokenAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let broker: Broker

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let token = try bearer(request)
        let person: PersonID
        do {
            person = try await broker.idTokens.verify(token, now: broker.clock())
        } catch {
            throw Problem.unauthorized("the ID token was refused: \(error)")
        }
        var context = context
        context.caller = .citizen(person)
        context.logger[metadataKey: "caller"] = "citizen"
        return try await next(request, context)
    }
}
