import BrokerClient
import CurlHTTP
import Foundation
import SamtykkeAPI
import SamtykkeCore
import SamtykkeJOSE
import Synchronization

/// `samtykke login` (SPEC §2b, RFC 8252): asks the broker which ID provider and client id to use,
/// runs the authorization code flow with PKCE S256 through a loopback redirect, redeems the code
/// for an ID token at the provider, and trades that for a broker session.
public struct TerminalLogin: Sendable {
    public let server: String
    /// `--id-ca`: a PEM trust root for the provider beside the system's (development).
    public let providerCA: [UInt8]?
    /// How long the citizen has to log in at the provider.
    public var timeout: Duration = .seconds(300)

    public init(server: String, providerCA: [UInt8]?) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.providerCA = providerCA
    }

    struct Discovery: Decodable {
        let issuer: String
        let authorization_endpoint: String
        let token_endpoint: String
    }

    struct TokenAnswer: Decodable {
        let id_token: String
    }

    /// Logs in; `show` gets the login URL to print (and to open in a browser).
    public func run(strings: CitizenStrings, show: @escaping @Sendable (_ url: String) async -> Void) async throws(CitizenError) -> CitizenSession {
        let broker = BrokerClient(server: server, credential: nil)
        let login: CitizenLoginAnswer
        do {
            login = try await broker.get("/v1/citizen-login", as: CitizenLoginAnswer.self)
        } catch let problem as BrokerClient.Problem where problem.status == 404 {
            throw CitizenError(.noLogin, detail: "HTTP \(problem)")
        } catch {
            throw CitizenError.from(error, credential: .session(""), now: Date())
        }
        let provider = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(5), totalTimeout: .seconds(30), tls: CurlTLSConfiguration(additionalTrustPEM: providerCA),
            maxConcurrentRequests: 2, allowedProtocols: .https, userAgent: "samtykke-cli"
        ))
        let discovery: Discovery = try await providerCall(provider, .get(login.issuer + "/.well-known/openid-configuration"))
        guard discovery.issuer == login.issuer else { throw CitizenError(.loginFailed, detail: "the provider's discovery names issuer \(discovery.issuer), not \(login.issuer)") }

        let verifier = PKCE.verifier()
        let state = Self.random()
        let nonce = Self.random()
        let redirect = Mutex<String?>(nil)
        let answer: [String: String]?
        do {
            answer = try await LoopbackRedirect.receive(state: state, page: strings.returnToTerminal, timeout: timeout) { redirectURI in
                redirect.withLock { $0 = redirectURI }
                var url = URLComponents(string: discovery.authorization_endpoint)
                let present = url?.queryItems ?? []
                url?.queryItems = present + [
                    URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: login.clientId),
                    URLQueryItem(name: "redirect_uri", value: redirectURI), URLQueryItem(name: "scope", value: "openid"),
                    URLQueryItem(name: "state", value: state), URLQueryItem(name: "nonce", value: nonce),
                    URLQueryItem(name: "code_challenge", value: PKCE.challenge(for: verifier)),
                    URLQueryItem(name: "code_challenge_method", value: PKCE.method),
                ] + (login.acrValues.map { [URLQueryItem(name: "acr_values", value: $0)] } ?? [])
                await show(url?.string ?? discovery.authorization_endpoint)
            }
        } catch {
            throw CitizenError(.loginFailed, detail: "the loopback redirect: \(error)")
        }
        guard let answer else { throw CitizenError(.loginFailed, detail: "no answer from the provider within \(timeout)") }
        if let error = answer["error"] { throw CitizenError(.loginFailed, detail: "the provider answered \(error): \(answer["error_description"] ?? "")") }
        // RFC 9207: where the provider names itself, it must be the one asked.
        if let iss = answer["iss"], iss != login.issuer { throw CitizenError(.loginFailed, detail: "the redirect names issuer \(iss)") }
        guard let code = answer["code"], let redirectURI = redirect.withLock({ $0 }) else { throw CitizenError(.loginFailed, detail: "the redirect carries no code") }

        let form = FormURLEncoded.encode([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", login.clientId), ("code_verifier", verifier),
        ])
        let token: TokenAnswer = try await providerCall(provider, CurlRequest(
            method: "POST", url: discovery.token_endpoint,
            headers: [CurlHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"), CurlHeader(name: "Accept", value: "application/json")],
            body: Array(form.utf8)
        ))
        // The broker checks the token whole; the nonce is this login's own check that the token answers it.
        guard Self.nonce(of: token.id_token) == nonce else { throw CitizenError(.loginFailed, detail: "the ID token's nonce is not this login's") }

        do {
            let session = try BrokerClient.decode(
                try await BrokerClient(server: server, credential: token.id_token).send("POST", "/v1/citizen-sessions"), as: CitizenSessionAnswer.self
            )
            return CitizenSession(server: server, session: session.session, expiresAt: session.expiresAt)
        } catch {
            throw CitizenError.from(error, credential: .idToken(token.id_token), now: Date())
        }
    }

    /// Ends `session` at its broker. A session the broker no longer knows (401) has ended already.
    public static func logout(_ session: CitizenSession) async throws(CitizenError) {
        do {
            _ = try await BrokerClient(server: session.server, credential: session.session).send("DELETE", "/v1/citizen-sessions/current")
        } catch let problem as BrokerClient.Problem where problem.status == 401 {
            return
        } catch BrokerClientError.status(let status) where status == 401 {
            return
        } catch {
            throw CitizenError.from(error, credential: .session(session.session), now: Date())
        }
    }

    private func providerCall<T: Decodable>(_ client: CurlClient, _ request: CurlRequest) async throws(CitizenError) -> T {
        let response: CurlResponse
        do {
            response = try await client.execute(request)
        } catch {
            throw CitizenError(.loginFailed, detail: "the ID provider at \(request.url): \(error)")
        }
        guard (200..<300).contains(response.status) else {
            throw CitizenError(.loginFailed, detail: "the ID provider answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw CitizenError(.loginFailed, detail: "the ID provider's answer could not be read: \(error)")
        }
    }

    private static func random() -> String { Base64URL.encode(RandomBytes.make(24)) }

    /// The ID token's `nonce`, read without checking the signature (the broker checks the token).
    static func nonce(of token: String) -> String? {
        struct Nonce: Decodable { let nonce: String? }
        return UnverifiedJWT.payload(of: token, as: Nonce.self)?.nonce
    }
}
