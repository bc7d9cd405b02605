import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStore
import Testing
import TestSupport

/// The session exchange `samtykke login` uses (SPEC §2b): which provider to log in with, an ID token
/// traded for a session, the session on every citizen route, and logout.
@Suite(.sameOnEveryBackend) struct CitizenSessionTests {
    @Test func theCLIIsToldTheProviderAndClientOnlyWhenTheBrokerHasOne() async throws {
        var harness = try await RouterHarness.make()
        try await harness.test { client in
            let none = try await client.send(.get, "/v1/citizen-login")
            #expect(none.status == .notFound && none.headers[.contentType] == "application/problem+json")
        }
        harness.settings.idIssuer = "https://127.0.0.1:9443"
        harness.settings.idJwks = .file("/nonexistent")
        harness.settings.idCLIClientID = "my-cli"
        try await harness.test { client in
            let login = try await client.send(.get, "/v1/citizen-login")
            #expect(login.status == .ok)
            #expect(login.json as NSDictionary == ["issuer": "https://127.0.0.1:9443", "clientId": "my-cli", "acrValues": "idporten-loa-substantial"])
        }
        // The dev provider on this machine (SPEC §2b) knows the CLI as samtykke-cli.
        harness.settings.idCLIClientID = nil
        try await harness.test { client in
            let login = try await client.send(.get, "/v1/citizen-login")
            #expect(login.status == .ok && login.json["clientId"] as? String == CitizenLogin.defaultCLIClientID)
        }
        // At a provider other than a dev one on this machine and no client named for the terminal,
        // no default one either: any client registered there as samtykke-cli could mint tokens the
        // exchange would take.
        harness.settings.idIssuer = "https://idp.example"
        harness.settings.idCLIClientID = nil
        let defaultCLIToken = try harness.provider.mint(pid: RouterHarness.person.digits, audience: CitizenLogin.defaultCLIClientID)
        try await harness.test { client in
            let login = try await client.send(.get, "/v1/citizen-login")
            #expect(login.status == .notFound && String(buffer: login.body).contains("--id-cli-client-id"), "\(String(buffer: login.body))")
            let exchanged = try await client.send(.post, "/v1/citizen-sessions", bearer: defaultCLIToken)
            #expect(exchanged.status == .unauthorized, "\(String(buffer: exchanged.body))")
        }
    }

    @Test func anIDTokenBecomesASessionThatWorksEverywhereACitizenDoesUntilLogout() async throws {
        let harness = try await RouterHarness.make()
        // The CLI's own client id is an audience the exchange accepts, beside the broker's.
        let cliToken = try harness.provider.mint(pid: RouterHarness.person.digits, audience: CitizenLogin.defaultCLIClientID)
        try await harness.test { client in
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request())
            let id = try #require(created.json["id"] as? String)

            let exchanged = try await client.send(.post, "/v1/citizen-sessions", bearer: cliToken)
            #expect(exchanged.status == .created, "\(String(buffer: exchanged.body))")
            let session = try #require(exchanged.json["session"] as? String)
            let expiresText = try #require(exchanged.json["expiresAt"] as? String)
            let expiresAt = try #require(RFC3339.date(from: expiresText))
            #expect(expiresAt.timeIntervalSinceNow > 29 * 60 && expiresAt.timeIntervalSinceNow <= 30 * 60)
            #expect(exchanged.headers[.cacheControl] == "no-store")
            // Only its hash is kept.
            #expect(try await harness.store.citizenSession(idHash: CitizenSession.hash(session), now: Date())?.person == RouterHarness.person)

            #expect(try await client.send(.get, "/v1/me/consents/\(id)", bearer: session).status == .ok)
            let granted = try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: session)
            #expect(granted.status == .ok && granted.json["status"] as? String == "active")
            // The CLI's token is no credential for the citizen routes themselves: their audience is the broker.
            #expect(try await client.send(.get, "/v1/me/consents", bearer: cliToken).status == .unauthorized)
            // A session cannot renew itself.
            #expect(try await client.send(.post, "/v1/citizen-sessions", bearer: session).status == .unauthorized)

            #expect(try await client.send(.delete, "/v1/citizen-sessions/current", bearer: session).status == .noContent)
            let after = try await client.send(.get, "/v1/me/consents", bearer: session)
            #expect(after.status == .unauthorized && after.headers[.contentType] == "application/problem+json")
            #expect(try await client.send(.delete, "/v1/citizen-sessions/current", bearer: session).status == .unauthorized)
        }
    }

    @Test func theExchangeChecksTheIDTokenAsEveryCitizenRouteDoes() async throws {
        let harness = try await RouterHarness.make()
        let stranger = DevIDProvider(signer: ES256Signer(privateKey: .init()))
        let refused = [
            try harness.provider.mint(pid: RouterHarness.person.digits, audience: "someone-else"),
            try harness.provider.mint(pid: RouterHarness.person.digits, acr: "idporten-loa-low"),
            try harness.provider.mint(pid: RouterHarness.person.digits, now: Date().addingTimeInterval(-7200)),
            try stranger.mint(pid: RouterHarness.person.digits),
            "scs_" + SessionSecret.random(),
        ]
        try await harness.test { client in
            for token in refused {
                let answer = try await client.send(.post, "/v1/citizen-sessions", bearer: token)
                #expect(answer.status == .unauthorized, "\(token.prefix(20))")
            }
            #expect(try await client.send(.post, "/v1/citizen-sessions").status == .unauthorized)
            // An unknown session is refused where sessions are taken, and logout needs a session.
            #expect(try await client.send(.get, "/v1/me/consents", bearer: "scs_" + SessionSecret.random()).status == .unauthorized)
            let idToken = try await harness.citizenToken()
            #expect(try await client.send(.delete, "/v1/citizen-sessions/current", bearer: idToken).status == .unauthorized)
        }
    }

    /// One login, one session: an ID token traded once is refused the second time, so whoever else
    /// saw it cannot trade it for sessions of their own.
    @Test func anIDTokenIsTradedForOneSessionOnly() async throws {
        let harness = try await RouterHarness.make()
        let idToken = try await harness.citizenToken()
        try await harness.test { client in
            #expect(try await client.send(.post, "/v1/citizen-sessions", bearer: idToken).status == .created)
            let again = try await client.send(.post, "/v1/citizen-sessions", bearer: idToken)
            #expect(again.status == .unauthorized && again.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            #expect(try await client.send(.post, "/v1/citizen-sessions", bearer: try await harness.citizenToken()).status == .created)
        }
    }

    @Test func anExpiredSessionIsRefused() async throws {
        let harness = try await RouterHarness.make()
        let (token, session) = CitizenSession.issue(for: RouterHarness.person, now: Date().addingTimeInterval(-CitizenSession.lifetime - 1))
        try await harness.store.addCitizenSession(session, now: session.createdAt)
        try await harness.test { client in
            let answer = try await client.send(.get, "/v1/me/consents", bearer: token)
            #expect(answer.status == .unauthorized)
        }
    }
}
