import Foundation
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport
@testable import SamtykkeServer

/// `POST/GET/DELETE /v1/webhooks`: https targets outside the broker's network, a secret shown once
/// and kept only sealed, and each bank sees and changes only its own.
@Suite(.serialized, .sameOnEveryBackend) struct WebhookRegistrationTests {
    @Test func aBankRegistersListsAndRemovesOnlyItsOwnEndpoints() async throws {
        try await AuthorizationParties.run { parties in
            let bankA = parties.caller(parties.bankA)
            let bankB = parties.caller(parties.bankB)
            let created = try await bankA.send("POST", "/v1/webhooks", body: ["url": AuthorizationParties.webhookURL])
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            let secret = try #require(created.json["secret"] as? String)
            #expect(created.json["url"] as? String == AuthorizationParties.webhookURL)
            #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)

            let listed = try await bankA.send("GET", "/v1/webhooks")
            let webhooks = try #require(listed.json["webhooks"] as? [[String: Any]])
            #expect(webhooks.count == 1 && webhooks[0]["id"] as? String == id && webhooks[0]["status"] as? String == "active")
            #expect(!listed.text.contains(secret) && webhooks[0]["secret"] == nil)
            #expect((try await bankB.send("GET", "/v1/webhooks").json["webhooks"] as? [Any])?.isEmpty == true)

            // Stored sealed: not the secret's bytes, and it opens only for this webhook's id.
            let stored = try #require(try await parties.store.webhooks(of: try OrgNumber(AuthorizationParties.orgA)).first)
            let bytes = Array(try #require(Data(base64Encoded: String(secret.dropFirst(6)))))
            #expect(!Data(stored.sealedSecret).contains(Data(bytes)))
            let seal = Seal(signer: parties.keys.bundleSigner, purpose: .webhookSecret)
            #expect(seal.open(stored.sealedSecret, context: id) == bytes)
            #expect(seal.open(stored.sealedSecret, context: "wh_other") == nil)
            #expect(Seal(signer: parties.keys.bundleSigner, purpose: .idempotentBundle).open(stored.sealedSecret, context: id) == nil)

            let refused = try await bankB.send("DELETE", "/v1/webhooks/\(id)")
            #expect(refused.status == 404 && refused.header("Content-Type") == "application/problem+json")
            #expect(try await bankA.send("DELETE", "/v1/webhooks/\(id)").status == 204)
            #expect(try await bankA.send("DELETE", "/v1/webhooks/\(id)").status == 404)
            #expect((try await bankA.send("GET", "/v1/webhooks").json["webhooks"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func targetsMustBeHTTPSAndOutsideTheBrokersNetwork() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            for url in [
                "http://203.0.113.7/hook", "ftp://203.0.113.7/", "not a url", "https://", "https://user:pw@203.0.113.7/",
                "https://127.0.0.1/hook", "https://127.8.9.10/", "https://localhost:8443/", "https://[::1]/", "https://0.0.0.0/",
                "https://10.1.2.3/", "https://172.16.0.1/", "https://172.31.255.255/", "https://192.168.0.10/", "https://169.254.169.254/latest",
                "https://100.64.0.1/", "https://[fe80::1]/", "https://[fd12:3456::1]/", "https://[::ffff:10.0.0.1]/", "https://224.0.0.1/",
                "https://no-such-host.invalid/", "https://203.0.113.7/", "https://[2001:db8::1]/", "https://198.18.0.1/",
            ] {
                let answer = try await bank.send("POST", "/v1/webhooks", body: ["url": url])
                #expect(answer.status == 400, "\(url): \(answer.text)")
                #expect(answer.json["field"] as? String == "url", "\(url): \(answer.text)")
            }
            for body: [String: Any] in [[:], ["url": 7], ["url": AuthorizationParties.webhookURL, "secret": "mine"]] {
                #expect(try await bank.send("POST", "/v1/webhooks", body: body).status == 400, "\(body)")
            }
            #expect((try await bank.send("GET", "/v1/webhooks").json["webhooks"] as? [Any])?.isEmpty == true)
            // Public addresses pass, IPv6 too.
            for url in ["https://[3ffe::7]/a", "https://[2001:4860:4860::8888]:8443/b", "https://172.32.0.1/c"] {
                #expect(try await bank.send("POST", "/v1/webhooks", body: ["url": url]).status == 201, "\(url)")
            }
        }
    }
}
