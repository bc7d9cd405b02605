import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeCore
import SamtykkeServer
import SamtykkeStore
import Testing
import TestSupport

/// The hand-off (SPEC §2b): a consent's `redirectUrl` must be one its bank registered, byte for
/// byte, and every consent answer carries the page to send the citizen to.
@Suite(.sameOnEveryBackend) struct HandOffTests {
    static func request(redirectUrl: String) throws -> [UInt8] {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(RouterHarness.request())) as? [String: Any])
        object["redirectUrl"] = redirectUrl
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    @Test func onlyARegisteredRedirectURLIsTakenAndOnlyItsBankSeesIt() async throws {
        let harness = try await RouterHarness.make()
        _ = try await harness.store.addRedirectURI(try RedirectURI("http://127.0.0.1:8000/back"), org: RouterHarness.bank, now: Date())
        _ = try await harness.store.addRedirectURI(try RedirectURI("https://bank.example/done?app=7"), org: RouterHarness.otherBank, now: Date())
        let token = try await harness.citizenToken()
        try await harness.test { client in
            for refused in [
                "http://localhost:8000/back", "http://127.0.0.1:8000/back/", "HTTP://127.0.0.1:8000/back", "http://127.0.0.1:8000/back?x=1",
                "https://bank.example/done?app=7", "https://evil.example/", "javascript:alert(1)", "//evil.example/", "http://10.0.0.1/back",
            ] {
                let answer = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: try Self.request(redirectUrl: refused))
                #expect(answer.status == .badRequest && answer.json["field"] as? String == "redirectUrl", "\(refused)")
            }
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: try Self.request(redirectUrl: "http://127.0.0.1:8000/back"))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["redirectUrl"] as? String == "http://127.0.0.1:8000/back")
            #expect(created.json["viewUri"] as? String == "http://127.0.0.1/consent/\(id)")

            let shown = try await client.send(.get, "/v1/consents/\(id)", bearer: harness.bankKey)
            #expect(shown.json["redirectUrl"] as? String == "http://127.0.0.1:8000/back" && shown.json["viewUri"] as? String == "http://127.0.0.1/consent/\(id)")
            let mine = try await client.send(.get, "/v1/me/consents/\(id)", bearer: token)
            #expect(mine.json["redirectUrl"] == nil && mine.json["viewUri"] as? String == "http://127.0.0.1/consent/\(id)")
            let listed = try await client.send(.get, "/v1/consents", bearer: harness.bankKey)
            let first = try #require((listed.json["consents"] as? [[String: Any]])?.first)
            #expect(first["viewUri"] as? String == "http://127.0.0.1/consent/\(id)")
        }
    }

    @Test func theViewURIIsUnderThePublicURL() async throws {
        var harness = try await RouterHarness.make()
        harness.settings.publicURL = "https://samtykke.example/"
        let bankKey = harness.bankKey
        try await harness.test { client in
            let created = try await client.send(.post, "/v1/consents", bearer: bankKey, body: RouterHarness.request())
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["viewUri"] as? String == "https://samtykke.example/consent/\(id)")
            #expect(created.json["redirectUrl"] == nil)
        }
    }

    @Test func aRedirectURIIsHTTPSOrLoopbackHTTPWithoutFragmentOrUser() throws {
        for good in ["https://bank.example/back", "https://bank.example:8443/a?b=c", "http://127.0.0.1:1/x", "http://localhost:65535/", "http://localhost/cb"] {
            #expect(throws: Never.self, "\(good)") { try RedirectURI(good) }
        }
        for bad in [
            "http://bank.example/back", "ftp://bank.example/", "https://bank.example/#frag", "https://user@bank.example/", "https://bank.example/a b",
            "/relative", "https://", "http://127.0.0.2/", "http://localhost.evil.example/", "https://bank.example:0/", "https://bänk.example/",
        ] {
            #expect(throws: DomainError.self, "\(bad)") { try RedirectURI(bad) }
        }
    }
}
