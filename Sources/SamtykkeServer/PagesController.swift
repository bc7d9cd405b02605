import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import SamtykkeAPI
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// The citizen's pages (SPEC §2b): the consent page a bank sends its customer to, `/me`, and the
/// OpenID Connect login behind them (authorization code, PKCE S256, state, nonce, acr_values,
/// `client_secret_basic`). Server-rendered from the Mustache templates in `Pages/`, which escape
/// every value; no JavaScript. A decision goes through `CitizenController.act`, as the API's does.
struct PagesController {
    let store: any ConsentStore & PartyStore & LogStore & OpeningStore & CitizenSessionStore
    let committer: ConsentCommitter
    /// The pages' client at the ID provider (`login.web`).
    let login: CitizenLogin
    let idTokens: IDTokenVerifier
    let maxBodyBytes: Int
    /// The broker's time (`Broker.now`), and its clock unrounded for ID tokens (`Broker.clock`).
    let now: @Sendable () -> Date
    let clock: @Sendable () -> Date
    /// The broker's public base URL (`Broker.publicBase`): cookies are `Secure` under https, and the login's redirect URI.
    let publicBase: @Sendable () -> String
    let logger: Logger

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("consent/:id") { request, context in try await page(request) { text in try await consentPage(request, context: context, text: text) } }
        router.post("consent/:id") { request, context in try await page(request) { text in try await decide(request, context: context, text: text) } }
        router.get("me") { request, _ in try await page(request) { text in try await me(request, text: text) } }
        router.get("login") { request, _ in try await page(request) { text in try await startLogin(returnTo: "/me?lang=\(text.lang)", text: text) } }
        router.get("login/callback") { request, context in try await page(request) { text in try await callback(request, context: context, text: text) } }
        router.post("logout") { request, _ in try await page(request) { text in try await logout(request, text: text) } }
    }

    // MARK: Rendering

    static let library: MustacheLibrary = {
        guard let directory = Bundle.module.url(forResource: "Pages", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { fatalError("the Pages templates of SamtykkeServer are missing") }
        var library = MustacheLibrary()
        for file in files where file.hasSuffix(".mustache") {
            do {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                try library.register(text, named: String(file.dropLast(".mustache".count)))
            } catch {
                fatalError("the page template \(file) does not parse: \(error)")
            }
        }
        return library
    }()

    /// A page to answer with, and the cookies it sets or clears.
    struct Page {
        var status: HTTPResponse.Status = .ok
        var template = "message"
        var model: [String: Any] = [:]
        var location: String?
        var cookies: [Cookie] = []
        /// Where a form of this page may end up besides the broker: the bank's redirect, whose origin
        /// `form-action` must allow, as browsers check a form's redirects too.
        var formRedirect: RedirectURI?
    }

    /// The page's `form-action`: the broker, and the origin of `redirect` when a form may end there.
    /// Registration takes only redirects with an origin a CSP source can name; one registered before
    /// that rule without one is allowed by its scheme.
    static func formAction(_ redirect: RedirectURI?) -> String {
        guard let redirect else { return "'self'" }
        return "'self' " + (redirect.origin ?? (redirect.text.hasPrefix("https:") ? "https:" : "http:"))
    }

    /// The headers every page carries: no framing, no scripts, no caching of a person's consents.
    private func page(_ request: Request, _ body: (PageText) async throws -> Page) async throws -> Response {
        let text = PageText.choose(query: request.uri.queryParameters["lang"].map(String.init), acceptLanguage: request.headers[.acceptLanguage])
        var page: Page
        do {
            page = try await body(text)
        } catch StorageError.consentNotFound {
            page = message(.notFound, title: text.notFoundTitle, text.notFound, text: text)
        } catch StorageError.consentForgotten {
            page = message(.notFound, title: text.notFoundTitle, text.notFound, text: text)
        }
        var headers: HTTPFields = [
            .contentSecurityPolicy: "default-src 'none'; img-src 'self'; form-action \(Self.formAction(page.formRedirect)); frame-ancestors 'none'; base-uri 'none'",
            .xContentTypeOptions: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer", .cacheControl: "no-store",
        ]
        for cookie in page.cookies { headers.append(HTTPField(name: .setCookie, value: cookie.description)) }
        if let location = page.location {
            headers[.location] = location
            return Response(status: .seeOther, headers: headers)
        }
        var model = page.model
        model["t"] = text
        // Relative to the page itself, so a page never repeats a path (a consent id) it was asked for.
        model["otherLanguageURL"] = "?lang=\(text.otherLang)"
        let html = Self.library.render(model, withTemplate: page.template) ?? ""
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: page.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private func message(_ status: HTTPResponse.Status, title: String, _ message: String, text: PageText, csrf: String? = nil, link: String? = nil, linkText: String? = nil) -> Page {
        var model: [String: Any] = ["title": title, "message": message]
        if let csrf { model["csrf"] = csrf }
        if let link { model["link"] = link }
        if let linkText { model["linkText"] = linkText }
        return Page(status: status, model: model)
    }

    // MARK: Cookies

    private var secure: Bool { publicBase().lowercased().hasPrefix("https://") }
    /// `__Host-` whenever the public URL is https: the browser then keeps the cookie to this host,
    /// path `/`, over TLS only, so no sibling domain can plant or read it.
    private var sessionCookieName: String { secure ? "__Host-samtykke-session" : "samtykke-session" }
    private var loginCookieName: String { secure ? "__Host-samtykke-login" : "samtykke-login" }

    private func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    private func session(_ request: Request) async throws -> CitizenSession? {
        guard let token = request.cookies[sessionCookieName]?.value, token.hasPrefix(CitizenSession.tokenPrefix) else { return nil }
        return try await store.citizenSession(idHash: CitizenSession.hash(token), now: now())
    }

    // MARK: Consent page and decisions

    private func consentPage(_ request: Request, context: AppRequestContext, text: PageText) async throws -> Page {
        let id = try pageConsentID(context)
        guard let session = try await session(request) else { return try await startLogin(returnTo: "/consent/\(id)?lang=\(text.lang)", text: text) }
        let consent = try await store.consent(id, for: .citizen(session.person))
        return Page(
            template: "consent", model: try await consentModel(consent, session: session, text: text),
            formRedirect: consent.status == .pending ? consent.redirectURL : nil
        )
    }

    private func pageConsentID(_ context: AppRequestContext) throws -> ConsentID {
        guard let text = context.parameters.get("id"), let id = try? ConsentID(text) else { throw StorageError.consentNotFound }
        return id
    }

    private func consentModel(_ consent: Consent, session: CitizenSession, text: PageText) async throws -> [String: Any] {
        let bankName = try await store.bankNames()[consent.bankOrg] ?? consent.bankOrg.digits
        let decisions: [CitizenController.CitizenAction] = switch consent.status {
        case .pending: [.grant, .deny]
        case .active: [.revoke]
        default: []
        }
        return [
            "title": text.consentTitle, "id": consent.id.description, "csrf": session.csrfToken,
            "asks": text.asks(bankName, consent.bankOrg.digits), "purpose": consent.terms.purpose.text,
            "data": text.language.list(consent.terms.scopes.map(text.language.name(of:))),
            "years": consent.terms.years.map(String.init).joined(separator: ", "), "until": text.date(consent.terms.validUntil),
            "uses": text.uses(consent.terms.maxUses, consent.uses), "status": text.statuses[consent.status] ?? consent.status.rawValue,
            "hasDecisions": !decisions.isEmpty,
            "decisions": decisions.map { action -> [String: String] in
                ["value": action.rawValue, "label": action == .grant ? text.grant : action == .deny ? text.deny : text.revoke]
            },
        ]
    }

    struct DecisionForm: Decodable {
        let csrf: String?
        let decision: String?
    }

    private func form(_ request: Request) async throws -> DecisionForm? {
        var request = request
        let body = try await request.collectBody(upTo: maxBodyBytes)
        return try? URLEncodedFormDecoder().decode(DecisionForm.self, from: String(buffer: body))
    }

    /// The form's token must be this session's: a page from another session (or another site) is refused.
    private func csrfMatches(_ form: DecisionForm?, _ session: CitizenSession) -> Bool {
        guard let given = form?.csrf else { return false }
        let (a, b) = (Array(SHA256.hash(data: Data(given.utf8))), Array(SHA256.hash(data: Data(session.csrfToken.utf8))))
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func decide(_ request: Request, context: AppRequestContext, text: PageText) async throws -> Page {
        let id = try pageConsentID(context)
        let form = try await form(request)
        guard let session = try await session(request), csrfMatches(form, session) else {
            return message(.forbidden, title: text.forbiddenTitle, text.badForm, text: text, link: "?lang=\(text.lang)", linkText: text.tryAgain)
        }
        guard let decision = form?.decision, let action = CitizenController.CitizenAction(rawValue: decision) else {
            return message(.badRequest, title: text.forbiddenTitle, text.badForm, text: text, csrf: session.csrfToken, link: "?lang=\(text.lang)", linkText: text.tryAgain)
        }
        let consent: Consent
        do {
            (consent, _) = try await CitizenController.act(action, on: id, by: session.person, committer: committer)
        } catch StorageError.refused {
            return message(.conflict, title: text.conflictTitle, text.conflict, text: text, csrf: session.csrfToken, link: "?lang=\(text.lang)", linkText: text.consentTitle)
        }
        // SPEC §2b: after grant or deny, back to the bank's registered URL; a revoke stays here.
        if action != .revoke, let redirect = consent.redirectURL {
            return Page(location: redirect.answered(consent.id, status: action == .grant ? "granted" : "denied"))
        }
        return message(.ok, title: text.doneTitle, text.done[consent.status] ?? "", text: text, csrf: session.csrfToken, link: "/me?lang=\(text.lang)", linkText: text.allConsents)
    }

    // MARK: /me

    private func me(_ request: Request, text: PageText) async throws -> Page {
        guard let session = try await session(request) else { return try await startLogin(returnTo: "/me?lang=\(text.lang)", text: text) }
        let names = try await store.bankNames()
        let consents = try await store.consents(ConsentQuery(viewer: .citizen(session.person), limit: CitizenController.pageSize))
        let (entries, _) = try await CitizenController.accessLog(
            of: session.person, start: 0, limit: CitizenController.pageSize, language: text.language, store: store
        )
        return Page(template: "me", model: [
            "title": text.meTitle, "csrf": session.csrfToken, "hasConsents": !consents.isEmpty,
            "consents": consents.map { consent -> [String: Any] in
                [
                    "id": consent.id.description, "bank": names[consent.bankOrg] ?? consent.bankOrg.digits, "purpose": consent.terms.purpose.text,
                    "status": text.statuses[consent.status] ?? consent.status.rawValue, "revocable": consent.status == .active,
                ]
            },
            "entries": entries.reversed().map { entry -> [String: String] in
                ["time": entry.time, "when": RFC3339.date(from: entry.time).map(text.date) ?? entry.time, "summary": entry.summary]
            },
        ])
    }

    // MARK: Login

    private var callbackURL: String { publicBase() + "/login/callback" }

    /// Sends the browser to the provider with a fresh state (kept in the store, for whichever
    /// instance the callback reaches, and in a cookie that binds it to this browser), nonce and
    /// PKCE verifier.
    private func startLogin(returnTo: String, text: PageText) async throws -> Page {
        guard let web = login.web else { return message(.serviceUnavailable, title: text.loginFailedTitle, text.loginUnavailable, text: text) }
        let endpoint: String
        do {
            endpoint = try await web.provider.configuration().authorizationEndpoint
        } catch {
            logger.warning("the ID provider's discovery failed", metadata: ["reason": "\(error)"])
            return message(.badGateway, title: text.loginFailedTitle, text.loginFailed, text: text)
        }
        let (state, nonce, verifier) = (SessionSecret.random(), SessionSecret.random(), SessionSecret.random())
        let now = now()
        try await store.addPendingLogin(
            PendingLogin(stateHash: CitizenSession.hash(state), nonce: nonce, codeVerifier: verifier, returnTo: returnTo, expiresAt: now.addingTimeInterval(PendingLogin.lifetime)),
            now: now
        )
        let query = [
            ("response_type", "code"), ("client_id", web.clientID), ("redirect_uri", callbackURL), ("scope", "openid"), ("state", state),
            ("nonce", nonce), ("code_challenge", Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8))))), ("code_challenge_method", "S256"),
            ("acr_values", CitizenLogin.acrValues), ("ui_locales", text.lang),
        ].map { "\($0.0)=\(formEncoded($0.1))" }.joined(separator: "&")
        return Page(
            location: endpoint + (endpoint.contains("?") ? "&" : "?") + query,
            cookies: [cookie(loginCookieName, state, maxAge: Int(PendingLogin.lifetime))]
        )
    }

    private func callback(_ request: Request, context: AppRequestContext, text: PageText) async throws -> Page {
        let query = request.uri.queryParameters
        let cleared = cookie(loginCookieName, "", maxAge: 0)
        func refused(_ reason: String) -> Page {
            logger.notice("citizen login refused", metadata: ["reason": "\(reason)"])
            var page = message(.badRequest, title: text.loginFailedTitle, text.loginFailed, text: text, link: "/login?lang=\(text.lang)", linkText: text.tryAgain)
            page.cookies = [cleared]
            return page
        }
        guard let web = login.web else { return message(.serviceUnavailable, title: text.loginFailedTitle, text.loginUnavailable, text: text) }
        guard let state = query["state"].map(String.init), !state.isEmpty, request.cookies[loginCookieName]?.value == state else {
            return refused("the state is missing or not this browser's")
        }
        guard let pending = try await store.takePendingLogin(stateHash: CitizenSession.hash(state), now: now()) else {
            return refused("the state is unknown, used or expired")
        }
        if let error = query["error"] { return refused("the provider answered \(error)") }
        guard let code = query["code"].map(String.init), !code.isEmpty else { return refused("the callback has no code") }
        let person: PersonID
        do {
            let idToken = try await web.provider.redeem(
                code: code, redirectURI: callbackURL, codeVerifier: pending.codeVerifier, clientID: web.clientID, clientSecret: web.clientSecret
            )
            person = try await idTokens.verify(idToken, now: clock(), audiences: [web.clientID], nonce: pending.nonce)
        } catch {
            return refused("\(error)")
        }
        // A new session id at every login; the one this browser had before, if any, ends.
        if let old = request.cookies[sessionCookieName]?.value {
            _ = try await store.endCitizenSession(idHash: CitizenSession.hash(old))
        }
        let now = now()
        let (token, session) = CitizenSession.issue(for: person, now: now)
        try await store.addCitizenSession(session, now: now)
        // `returnTo` was written by `startLogin`: a path on this broker, never a URL from the request.
        return Page(location: pending.returnTo, cookies: [cleared, cookie(sessionCookieName, token, maxAge: Int(CitizenSession.lifetime))])
    }

    private func logout(_ request: Request, text: PageText) async throws -> Page {
        let form = try await form(request)
        guard let session = try await session(request), csrfMatches(form, session) else {
            return message(.forbidden, title: text.forbiddenTitle, text.badForm, text: text, link: "/me?lang=\(text.lang)", linkText: text.tryAgain)
        }
        _ = try await store.endCitizenSession(idHash: session.idHash)
        var page = message(.ok, title: text.loggedOutTitle, text.loggedOut, text: text)
        page.cookies = [cookie(sessionCookieName, "", maxAge: 0)]
        return page
    }
}
