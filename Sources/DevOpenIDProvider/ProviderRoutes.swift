import Foundation
import Hummingbird
import Mustache
import SamtykkeCore
import SamtykkeJOSE
import Synchronization

/// The provider's endpoints: discovery, JWKS, the login page and the token endpoint.
struct ProviderRoutes: Sendable {
    let configuration: DevOpenIDProviderConfiguration
    let clients: OpenIDClients
    let codes: AuthorizationCodes
    let pages: MustacheLibrary
    /// `https://127.0.0.1:P`, known once the port is bound.
    let issuer: Issuer
    let now: @Sendable () -> Date

    static let acr = "idporten-loa-substantial"
    /// Larger than any form the login page or a token request makes.
    static let bodyLimit = 16 * 1024

    final class Issuer: Sendable {
        private let value = Mutex("")
        var url: String { value.withLock { $0 } }
        func set(port: Int) { value.withLock { $0 = "https://127.0.0.1:\(port)" } }
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/.well-known/openid-configuration") { _, _ in try json(discovery) }
        router.get("/jwks") { _, _ in try json(JWKSet(keys: [configuration.signer.publicJWK])) }
        router.get("/authorize") { request, _ in authorize(FormURLEncoded.decode(request.uri.query ?? "")) }
        router.post("/authorize") { request, _ in
            await login(FormURLEncoded.decode(String(buffer: try await request.body.collect(upTo: Self.bodyLimit))))
        }
        router.post("/token") { request, _ in
            try await token(request, FormURLEncoded.decode(String(buffer: try await request.body.collect(upTo: Self.bodyLimit))))
        }
    }

    private var discovery: [String: JSONField] {
        let issuer = issuer.url
        return [
            "issuer": .text(issuer),
            "authorization_endpoint": .text(issuer + "/authorize"),
            "token_endpoint": .text(issuer + "/token"),
            "jwks_uri": .text(issuer + "/jwks"),
            "response_types_supported": .list(["code"]),
            "grant_types_supported": .list(["authorization_code"]),
            "subject_types_supported": .list(["public"]),
            "scopes_supported": .list(["openid"]),
            "id_token_signing_alg_values_supported": .list(["ES256"]),
            "code_challenge_methods_supported": .list([PKCE.method]),
            "token_endpoint_auth_methods_supported": .list(["client_secret_basic", "none"]),
            "acr_values_supported": .list([Self.acr]),
            "claims_supported": .list(["iss", "aud", "sub", "pid", "acr", "nonce", "iat", "exp"]),
            "authorization_response_iss_parameter_supported": .flag(true),
        ]
    }

    /// A member of the small JSON documents this provider writes (discovery, the token answer).
    enum JSONField: Encodable {
        case text(String), list([String]), flag(Bool)
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .list(let list): try container.encode(list)
            case .flag(let flag): try container.encode(flag)
            }
        }
    }

    // MARK: - The login page

    private func authorize(_ parameters: [String: String]) -> Response {
        do {
            return page(loginPage(try AuthorizationRequest(parameters, clients: clients), pid: "", error: nil))
        } catch {
            return refused(error)
        }
    }

    private func login(_ parameters: [String: String]) async -> Response {
        let request: AuthorizationRequest
        do {
            request = try AuthorizationRequest(parameters, clients: clients)
        } catch {
            return refused(error)
        }
        let typed = (parameters["pid"] ?? "").trimmingCharacters(in: .whitespaces)
        let pid: PersonID
        do {
            pid = try PersonID(typed)
        } catch {
            return page(loginPage(request, pid: typed, error: "Ikke et gyldig fødselsnummer (not a valid national identity number): \(error.reason)."), status: .badRequest)
        }
        let code = await codes.issue(request, pid: pid, now: now())
        var items = [URLQueryItem(name: "code", value: code), URLQueryItem(name: "iss", value: issuer.url)]
        if let state = request.state { items.append(URLQueryItem(name: "state", value: state)) }
        return .redirect(to: request.redirect.adding(items), type: .normal)
    }

    private func loginPage(_ request: AuthorizationRequest, pid: String, error: String?) -> String {
        let people = configuration.people.map { ["personId": $0.personId, "name": $0.name] }
        let context: [String: Any] = [
            "client": request.client.id, "fields": request.formFields, "pid": pid, "error": error ?? false,
            "hasPeople": !people.isEmpty, "people": people,
        ]
        return pages.render(context, withTemplate: "login") ?? ""
    }

    private func refused(_ refusal: AuthorizationRequest.Refusal) -> Response {
        switch refusal {
        case .page(let reason):
            return page(pages.render(["reason": reason], withTemplate: "refusal") ?? "", status: .badRequest)
        case .redirect(let redirect, let error, let description, let state):
            var items = [URLQueryItem(name: "error", value: error), URLQueryItem(name: "error_description", value: description)]
            if let state { items.append(URLQueryItem(name: "state", value: state)) }
            items.append(URLQueryItem(name: "iss", value: issuer.url))
            return .redirect(to: redirect.adding(items), type: .normal)
        }
    }

    private func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }

    // MARK: - The token endpoint (RFC 6749 §4.1.3, §5)

    private func token(_ request: Request, _ form: [String: String]) async throws -> Response {
        let client: OpenIDClient
        switch authenticate(request.headers[.authorization], formClientID: form["client_id"]) {
        case .success(let authenticated): client = authenticated
        case .failure(let failure): return failure.response
        }
        guard form["grant_type"] == "authorization_code" else {
            return TokenFailure(error: "unsupported_grant_type", description: "only authorization_code").response
        }
        guard let code = form["code"], let grant = await codes.redeem(code, now: now()) else {
            return TokenFailure(error: "invalid_grant", description: "the code is unknown, used already or expired").response
        }
        guard grant.request.client == client else {
            return TokenFailure(error: "invalid_grant", description: "the code was issued to another client").response
        }
        guard form["redirect_uri"] == grant.request.redirect.uri else {
            return TokenFailure(error: "invalid_grant", description: "redirect_uri differs from the authorization request's").response
        }
        if let challenge = grant.request.codeChallenge {
            guard let verifier = form["code_verifier"] else {
                return TokenFailure(error: "invalid_grant", description: "the code_verifier is missing").response
            }
            guard PKCE.verify(verifier, against: challenge) else {
                return TokenFailure(error: "invalid_grant", description: "the code_verifier does not match the code_challenge").response
            }
        }
        let idToken = try configuration.signer.sign(
            IssuedIDToken(
                claims: IDTokenClaims(issuer: issuer.url, audience: client.id, pid: grant.pid.digits, acr: Self.acr, now: now(), lifetime: configuration.tokenLifetime),
                nonce: grant.request.nonce
            ),
            typ: "JWT"
        )
        let body: [String: JSONField] = [
            "access_token": .text(Base64URL.encode(RandomBytes.make(32))),
            "token_type": .text("Bearer"), "id_token": .text(idToken), "scope": .text("openid"),
        ]
        var response = try json(body)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `client_secret_basic` for the confidential client, `client_id` alone for the public one.
    private func authenticate(_ authorization: String?, formClientID: String?) -> Result<OpenIDClient, TokenFailure> {
        let unknown = TokenFailure(error: "invalid_client", description: "client authentication failed", status: .unauthorized)
        guard let authorization else {
            guard let id = formClientID, let client = clients[id], client.isPublic else { return .failure(unknown) }
            return .success(client)
        }
        guard authorization.lowercased().hasPrefix("basic "), let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":"),
              let id = FormURLEncoded.component(String(pair[..<colon])), let secret = FormURLEncoded.component(String(pair[pair.index(after: colon)...])),
              let client = clients[id], client.accepts(secret: secret), formClientID == nil || formClientID == id
        else { return .failure(unknown) }
        return .success(client)
    }

    struct TokenFailure: Error {
        let error: String
        let description: String
        var status: HTTPResponse.Status = .badRequest

        var response: Response {
            var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
            if status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"samtykke dev ID provider\"" }
            let body = (try? JSONEncoder().encode(["error": error, "error_description": description])) ?? Data()
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    // MARK: - Encodings

    private func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// An ID token's claims as issued: ID-porten's, with the `nonce` of the authentication request.
struct IssuedIDToken: Encodable {
    let claims: IDTokenClaims
    let nonce: String?

    private enum Keys: String, CodingKey { case nonce }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(nonce, forKey: .nonce)
    }
}
