import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeCore
import SamtykkeJOSE
@testable import SamtykkeServer
import SamtykkeStore
import Testing
import TestSupport

/// An OpenID provider in the test's hands: the codes it will redeem and the ID token each gives,
/// once; and what the broker sent it.
actor StubOpenIDProvider: OpenIDProvider {
    static let authorize = "https://idp.test/authorize"
    var tokens: [String: String] = [:]
    var redeemed: [(code: String, redirectURI: String, verifier: String, clientID: String, secret: String)] = []

    func configuration() -> OpenIDConfiguration {
        OpenIDConfiguration(issuer: DevIDProvider.issuer, authorizationEndpoint: Self.authorize, tokenEndpoint: "https://idp.test/token", jwksURI: "https://idp.test/jwks")
    }

    func jwks() throws -> String { throw OpenIDProviderError.unreachable("not in this test") }

    func redeem(code: String, redirectURI: String, codeVerifier: String, clientID: String, clientSecret: String) throws -> String {
        guard let token = tokens.removeValue(forKey: code) else { throw OpenIDProviderError.refused("the token endpoint answered 400 (invalid_grant)") }
        redeemed.append((code, redirectURI, codeVerifier, clientID, clientSecret))
        return token
    }

    func willRedeem(_ code: String, for token: String) { tokens[code] = token }
}

/// A browser as far as the pages care: it keeps cookies and follows nothing by itself.
final class Browser: @unchecked Sendable {
    var cookies: [String: String] = [:]
    let client: any TestClientProtocol

    init(_ client: any TestClientProtocol) { self.client = client }

    func send(_ method: HTTPRequest.Method, _ uri: String, form: [String: String]? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form.map { "\($0.key)=\(formEncoded($0.value))" }.joined(separator: "&"))
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let (name, value) = (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
            if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }
}

extension TestResponse {
    var html: String { String(buffer: body) }
    var location: String { headers[.location] ?? "" }
}

@Suite(.sameOnEveryBackend) struct PagesTests {
    static let clientID = "samtykke-broker"

    struct Setup {
        let harness: RouterHarness
        let provider: StubOpenIDProvider
    }

    static func setup(publicURL: String? = nil) async throws -> Setup {
        var harness = try await RouterHarness.make()
        let provider = StubOpenIDProvider()
        harness.settings.idIssuer = DevIDProvider.issuer
        harness.settings.idClientID = clientID
        harness.settings.idClientSecret = "s3cret"
        harness.settings.publicURL = publicURL
        harness.settings.given.openID = provider
        return Setup(harness: harness, provider: provider)
    }

    /// An ID token as the provider would issue it to the broker's client, changed by `edit`.
    static func idToken(_ harness: RouterHarness, nonce: String, person: PersonID = RouterHarness.person, edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let t = Int(Date().timeIntervalSince1970)
        var claims: [String: Any] = [
            "iss": DevIDProvider.issuer, "aud": clientID, "sub": person.digits, "pid": person.digits, "acr": "idporten-loa-substantial",
            "iat": t, "nbf": t, "exp": t + 120, "nonce": nonce,
        ]
        edit(&claims)
        let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "kid": PublicJWK(harness.idProviderKey.publicKey).kid]
        return try IDTokenForgeryTests.compact(header: header, claims: claims, sign: IDTokenForgeryTests.es256(harness.idProviderKey))
    }

    static func query(_ url: String) -> [String: String] {
        Dictionary(URLComponents(string: url)?.queryItems?.map { ($0.name, $0.value ?? "") } ?? [], uniquingKeysWith: { a, _ in a })
    }

    /// The whole login from a page: the redirect to the provider, the provider's answer at the callback.
    static func logIn(_ browser: Browser, at path: String, _ setup: Setup, person: PersonID = RouterHarness.person, edit: (inout [String: Any]) -> Void = { _ in }) async throws -> TestResponse {
        let start = try await browser.send(.get, path)
        #expect(start.status == .seeOther && start.location.hasPrefix(StubOpenIDProvider.authorize + "?"))
        let query = Self.query(start.location)
        let code = SessionSecret.random()
        await setup.provider.willRedeem(code, for: try idToken(setup.harness, nonce: query["nonce"] ?? "", person: person, edit: edit))
        return try await browser.send(.get, "/login/callback?code=\(code)&state=\(query["state"] ?? "")")
    }

    static func createConsent(_ client: any TestClientProtocol, _ harness: RouterHarness, redirectUrl: String? = nil) async throws -> String {
        let body = try redirectUrl.map { try HandOffTests.request(redirectUrl: $0) } ?? RouterHarness.request()
        let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: body)
        return try #require(created.json["id"] as? String)
    }

    static func csrf(in html: String) -> String {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return "" }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func theLoginAsksForCodeWithPKCEStateNonceAndACRAndGrantingSendsTheCitizenBackToTheBank() async throws {
        let setup = try await Self.setup()
        let harness = setup.harness
        _ = try await harness.store.addRedirectURI(try RedirectURI("https://bank.example/back?app=1"), org: RouterHarness.bank, now: Date())
        try await harness.test { client in
            let id = try await Self.createConsent(client, harness, redirectUrl: "https://bank.example/back?app=1")
            let browser = Browser(client)
            let start = try await browser.send(.get, "/consent/\(id)")
            #expect(start.status == .seeOther)
            let query = Self.query(start.location)
            #expect(query["response_type"] == "code" && query["client_id"] == Self.clientID && query["scope"] == "openid")
            #expect(query["redirect_uri"] == "http://127.0.0.1/login/callback" && query["acr_values"] == "idporten-loa-substantial")
            #expect(query["code_challenge_method"] == "S256" && query["state"]?.count == 43 && query["nonce"]?.count == 43)
            let loginCookie = try #require(start.headers[values: .setCookie].first)
            #expect(loginCookie.contains("HttpOnly") && loginCookie.contains("SameSite=Lax") && loginCookie.contains("Path=/") && !loginCookie.contains("Secure"))

            let code = SessionSecret.random()
            await setup.provider.willRedeem(code, for: try Self.idToken(harness, nonce: query["nonce"]!))
            let back = try await browser.send(.get, "/login/callback?code=\(code)&state=\(query["state"]!)")
            #expect(back.status == .seeOther && back.location == "/consent/\(id)?lang=nb", "\(back.html)")
            let redeemed = try #require(await setup.provider.redeemed.first)
            // PKCE: the verifier the broker redeems with is the one whose S256 it sent.
            #expect(Base64URL.encode(Array(SHA256.hash(data: Data(redeemed.verifier.utf8)))) == query["code_challenge"])
            #expect(redeemed.clientID == Self.clientID && redeemed.secret == "s3cret" && redeemed.redirectURI == "http://127.0.0.1/login/callback")
            let sessionCookie = try #require(back.headers[values: .setCookie].first { $0.hasPrefix("samtykke-session=") })
            #expect(sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Lax") && sessionCookie.contains("Max-Age=1800"))

            let page = try await browser.send(.get, back.location)
            #expect(page.status == .ok && page.html.contains(#"<html lang="nb">"#) && page.html.contains("Test Sparebank (organisasjonsnummer 986352325)"))
            #expect(page.html.contains(#"name="decision" value="grant""#) && page.html.contains(#"name="decision" value="deny""#))
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            // Its form may end at the bank: browsers check a form's redirects against form-action.
            #expect(page.headers[.contentSecurityPolicy]?.contains("; form-action 'self' https://bank.example;") == true, "\(page.headers)")
            let granted = try await browser.send(.post, "/consent/\(id)", form: ["csrf": Self.csrf(in: page.html), "decision": "grant"])
            #expect(granted.status == .seeOther && granted.location == "https://bank.example/back?app=1&consentId=\(id)&status=granted")
            let shown = try await client.send(.get, "/v1/consents/\(id)", bearer: harness.bankKey)
            #expect(shown.json["status"] as? String == "active")
            // Logged with the citizen as actor, as the CLI's grant is.
            let log = try await client.send(.get, "/v1/me/access-log", bearer: try await harness.citizenToken())
            let entries = try #require(log.json["entries"] as? [[String: Any]])
            #expect(entries.last?["type"] as? String == "consent.granted")
            #expect((entries.last?["actor"] as? [String: Any])?["kind"] as? String == "citizen")

            // Active now: revoke is offered, and a revoke stays on the broker.
            let again = try await browser.send(.get, "/consent/\(id)?lang=en")
            #expect(again.html.contains(#"<html lang="en">"#) && again.html.contains(#"value="revoke""#) && !again.html.contains(#"value="grant""#))
            #expect(again.headers[.contentSecurityPolicy]?.contains("; form-action 'self';") == true, "\(again.headers)")
            let revoked = try await browser.send(.post, "/consent/\(id)?lang=en", form: ["csrf": Self.csrf(in: again.html), "decision": "revoke"])
            #expect(revoked.status == .ok && revoked.html.contains("You revoked the consent."))
        }
    }

    /// CSP host-sources: scheme, host and port of the bank's redirect; an IPv6 literal cannot be one
    /// (registration refuses it; one registered before is allowed by its scheme).
    @Test func formActionAllowsTheBanksRedirectByItsOrigin() throws {
        #expect(PagesController.formAction(nil) == "'self'")
        #expect(PagesController.formAction(try RedirectURI("http://127.0.0.1:8080/return?x=1")) == "'self' http://127.0.0.1:8080")
        #expect(PagesController.formAction(try RedirectURI("https://Bank-1.example/back")) == "'self' https://Bank-1.example")
        #expect(PagesController.formAction(try RedirectURI("https://[::1]:8443/back")) == "'self' https:")
    }

    @Test func everyBadLoginIsRefusedWithAPageAndNoSession() async throws {
        let setup = try await Self.setup()
        let harness = setup.harness
        try await harness.test { client in
            let browser = Browser(client)
            let edits: [(String, (inout [String: Any]) -> Void)] = [
                ("nonce", { $0["nonce"] = "another" }), ("issuer", { $0["iss"] = "https://evil.example" }),
                ("acr", { $0["acr"] = "idporten-loa-low" }), ("audience", { $0["aud"] = "samtykke-cli" }),
            ]
            for (what, edit) in edits {
                let answer = try await Self.logIn(browser, at: "/me", setup, edit: edit)
                #expect(answer.status == .badRequest && answer.html.contains("Innloggingen kunne ikke fullføres"), "\(what)")
                #expect(browser.cookies["samtykke-session"] == nil, "\(what)")
            }
            // A forged state, and a state without this browser's cookie.
            let start = try await browser.send(.get, "/me")
            let state = Self.query(start.location)["state"]!
            #expect(try await browser.send(.get, "/login/callback?code=x&state=\(SessionSecret.random())").status == .badRequest)
            let stranger = Browser(client)
            #expect(try await stranger.send(.get, "/login/callback?code=x&state=\(state)").status == .badRequest)
            #expect(try await stranger.send(.get, "/login/callback?code=x").status == .badRequest)

            // A replayed callback: the state was used, and the code with it.
            let good = try await browser.send(.get, "/me")
            let query = Self.query(good.location)
            let code = SessionSecret.random()
            await setup.provider.willRedeem(code, for: try Self.idToken(harness, nonce: query["nonce"]!))
            let saved = browser.cookies
            #expect(try await browser.send(.get, "/login/callback?code=\(code)&state=\(query["state"]!)").status == .seeOther)
            let replay = Browser(client)
            replay.cookies = saved
            let replayed = try await replay.send(.get, "/login/callback?code=\(code)&state=\(query["state"]!)")
            #expect(replayed.status == .badRequest && replay.cookies["samtykke-session"] == nil)
        }
    }

    @Test func aFormFromAnotherSessionAStaleDecisionAndAnotherPersonAreRefusedInPlainWords() async throws {
        let setup = try await Self.setup()
        let harness = setup.harness
        let other = try PersonID("14830351257")
        try await harness.test { client in
            let id = try await Self.createConsent(client, harness)
            let mine = Browser(client)
            #expect(try await Self.logIn(mine, at: "/consent/\(id)", setup).status == .seeOther)
            let page = try await mine.send(.get, "/consent/\(id)")
            let theirs = Browser(client)
            #expect(try await Self.logIn(theirs, at: "/me", setup, person: other).status == .seeOther)
            let theirPage = try await theirs.send(.get, "/me")

            // The other person's own CSRF token, in my session: refused, nothing changes.
            let forged = try await mine.send(.post, "/consent/\(id)", form: ["csrf": Self.csrf(in: theirPage.html), "decision": "grant"])
            #expect(forged.status == .forbidden)
            #expect(try await mine.send(.post, "/consent/\(id)", form: ["decision": "grant"]).status == .forbidden)
            // Someone else's consent is the unknown-id page.
            let unknownID = UUID().uuidString.lowercased()
            let unknown = try await theirs.send(.get, "/consent/\(unknownID)")
            let notTheirs = try await theirs.send(.get, "/consent/\(id)")
            // The same page but for the link to itself in the other language.
            #expect(notTheirs.status == .notFound && unknown.status == .notFound)
            #expect(notTheirs.html.replacingOccurrences(of: id, with: "ID") == unknown.html.replacingOccurrences(of: unknownID, with: "ID"))
            let grabbed = try await theirs.send(.post, "/consent/\(id)", form: ["csrf": Self.csrf(in: theirPage.html), "decision": "grant"])
            #expect(grabbed.status == .notFound)
            let status = try await client.send(.get, "/v1/consents/\(id)", bearer: harness.bankKey).json["status"] as? String
            #expect(status == "pending")

            // Denied meanwhile (in another tab): the stale page's grant is a 409 page in words.
            #expect(try await mine.send(.post, "/consent/\(id)", form: ["csrf": Self.csrf(in: page.html), "decision": "deny"]).status == .ok)
            let stale = try await mine.send(.post, "/consent/\(id)", form: ["csrf": Self.csrf(in: page.html), "decision": "grant"])
            #expect(stale.status == .conflict && stale.html.contains("Samtykket ble endret mens du så på det"))

            // Logout ends the session: the page asks to log in again.
            let me = try await mine.send(.get, "/me")
            #expect(try await mine.send(.post, "/logout", form: ["csrf": Self.csrf(in: me.html)]).status == .ok)
            #expect(mine.cookies["samtykke-session"] == nil)
            let after = try await client.execute(uri: "/me", method: .get, headers: [.cookie: "samtykke-session=" + (page.headers[.setCookie] ?? "x")])
            #expect(after.status == .seeOther)
        }
    }

    @Test func hostileTextIsEscapedAndTheLanguageIsTheQuerysOverTheBrowsers() async throws {
        let setup = try await Self.setup()
        let harness = setup.harness
        try await harness.store.addBank(org: try OrgNumber("923609016"), name: "<b>Evil</b> & Co", publicKeys: [], now: Date())
        try await harness.test { client in
            let browser = Browser(client)
            #expect(try await Self.logIn(browser, at: "/me", setup).status == .seeOther)
            let id = try await Self.createConsent(client, harness)
            _ = id
            let english = try await browser.send(.get, "/me", headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(english.html.contains(#"<html lang="en">"#) && english.html.contains("Your consents"))
            let forced = try await browser.send(.get, "/me?lang=nb", headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(forced.html.contains(#"<html lang="nb">"#) && forced.html.contains("Dine samtykker"))
            // The access log speaks the page's language too.
            #expect(english.html.contains("asked for your consent to read"), "\(english.html)")
            #expect(forced.html.contains("ba om samtykke til å hente") && !forced.html.contains("asked for your consent"), "\(forced.html)")
            // And names the data in it: the words the consent page uses for them.
            #expect(english.html.contains("to read income for"), "\(english.html)")
            #expect(forced.html.contains("til å hente inntekt for"), "\(forced.html)")
        }
        // A purpose with markup, shown as text.
        let hostile = Array(String(decoding: RouterHarness.request(), as: UTF8.self).replacingOccurrences(of: "\"Mortgage\"", with: #""<script>alert(1)</script> & \"x\"""#).utf8)
        try await harness.test { client in
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: hostile)
            let id = try #require(created.json["id"] as? String)
            let browser = Browser(client)
            #expect(try await Self.logIn(browser, at: "/consent/\(id)", setup).status == .seeOther)
            let page = try await browser.send(.get, "/consent/\(id)")
            #expect(!page.html.contains("<script>") && page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"))
        }
    }

    @Test func overHTTPSTheCookiesAreSecureAndHostPrefixed() async throws {
        let setup = try await Self.setup(publicURL: "https://samtykke.example")
        try await setup.harness.test { client in
            let browser = Browser(client)
            let start = try await browser.send(.get, "/me")
            let cookie = try #require(start.headers[values: .setCookie].first)
            #expect(cookie.hasPrefix("__Host-samtykke-login=") && cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"))
            #expect(Self.query(start.location)["redirect_uri"] == "https://samtykke.example/login/callback")
            let back = try await Self.logIn(browser, at: "/me", setup)
            let session = try #require(back.headers[values: .setCookie].first { $0.hasPrefix("__Host-samtykke-session=") })
            #expect(session.contains("Secure") && session.contains("HttpOnly") && session.contains("SameSite=Lax"))
        }
    }
}
