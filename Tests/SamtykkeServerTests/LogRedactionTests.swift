import Crypto
import Foundation
import Logging
import TestSupport
import Testing

/// The broker's log, at `.trace`, through a whole flow and every kind of refusal, access log
/// included (whose paths would hold national identity numbers: it logs route patterns), never holds a
/// national identity number, an ID token, an API key, any other JWT (consent tokens, bundles) or
/// any private key's material.
@Suite(.sameOnEveryBackend) struct LogRedactionTests {
    /// Every private key the broker holds (bundles, the log, and the ID provider it trusts) as it
    /// could show up in text: its PEM's base64 lines, and the raw scalar in base64 and hex (a
    /// reflected struct would print bytes, not PEM).
    static func privateKeyMaterial(_ harness: RouterHarness) -> [String] {
        // An Ed25519 key's PKCS #8 document is this prefix and the 32 raw bytes (RFC 8410).
        let ed25519PKCS8 = Data([0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]) + harness.logKey.rawRepresentation
        let pems = [harness.keys.bundleSigner.privateKey.pemRepresentation, harness.idProviderKey.pemRepresentation]
        var material = pems.flatMap { $0.split(separator: "\n").filter { !$0.hasPrefix("-----") && $0.count >= 16 }.map(String.init) }
        material.append(ed25519PKCS8.base64EncodedString())
        for raw in [harness.keys.bundleSigner.privateKey.rawRepresentation, harness.idProviderKey.rawRepresentation, harness.logKey.rawRepresentation] {
            material += [raw.base64EncodedString(), raw.map { String(format: "%02x", $0) }.joined()]
        }
        return material
    }

    @Test func nothingSecretOrPersonalIsLogged() async throws {
        let lines = CapturingLogHandler.Lines()
        let logger = Logger(label: "samtykke.broker") { _ in CapturingLogHandler(lines: lines) }

        let secrets = try await AuthorizationParties.run(logger: logger) { parties -> [String] in
            let bank = parties.caller(parties.bankA)
            let citizen = parties.caller(parties.citizenX)
            let auditor = parties.caller(parties.auditor)

            let created = try await bank.send("POST", "/v1/consents", body: consentRequest(for: parties.personX, now: parties.clock.now()))
            let id = try #require(created.json["id"] as? String)
            #expect(try await bank.send("POST", "/v1/consents/\(id)/bundles").status == 409)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let issued = try await bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(issued.status == 201, "\(issued.text)")
            let bundle = try #require(issued.json["bundle"] as? String)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/revoke").status == 200)
            #expect(try await citizen.send("GET", "/v1/me/access-log").status == 200)
            let webhook = try await bank.send("POST", "/v1/webhooks", body: ["url": AuthorizationParties.webhookURL])
            #expect(webhook.status == 201, "\(webhook.text)")
            let webhookSecret = try #require(webhook.json["secret"] as? String)
            #expect(try await auditor.send("GET", "/v1/audit/entries?personId=\(parties.personX)").status == 200)

            // Refusals that carry a secret or a person: each must be refused without logging it.
            var refusedBody = consentRequest(for: parties.personY, now: parties.clock.now())
            refusedBody["maxUses"] = 0
            #expect(try await bank.send("POST", "/v1/consents", body: refusedBody).status == 400)
            #expect(try await bank.send("POST", "/v1/consents", body: ["personId": String(parties.personY.dropLast()) + "0"]).status == 400)
            #expect(try await parties.caller(parties.bankA + "x").send("GET", "/v1/consents/\(id)").status == 401)
            #expect(try await parties.caller(parties.citizenY + "x").send("GET", "/v1/me/consents").status == 401)
            #expect(try await parties.caller(parties.auditor).send("GET", "/v1/consents/\(id)").status == 403)
            #expect(try await parties.caller(parties.bankB).send("GET", "/v1/audit/entries?personId=\(parties.personY)").status == 403)
            #expect(try await parties.caller(parties.citizenY).send("GET", "/v1/me/consents/\(id)").status == 404)
            #expect(try await auditor.send("GET", "/v1/audit/entries?personId=\(parties.personY)&x=\(parties.bankB)").status == 400)
            #expect(try await bank.send("GET", "/v1/persons/\(parties.personY)").status == 404)

            let keySecrets = [parties.bankA, parties.bankB, parties.auditor].map { String($0.split(separator: ".")[1]) }
            return [parties.personX, parties.personY, parties.bankA, parties.bankB, parties.auditor, parties.citizenX, parties.citizenY, bundle, webhookSecret]
                + [String(webhookSecret.dropFirst("whsec_".count))]
                + keySecrets + [parties.citizenX, parties.citizenY, bundle].map { String($0.split(separator: ".")[2]) }
                + Self.privateKeyMaterial(parties.harness)
        }

        let log = lines.all
        #expect(!log.isEmpty, "nothing was captured, so nothing was checked")
        // The access log is part of what is checked: one line for each of the 17 requests above.
        #expect(log.filter { $0.contains("] request ") }.count == 17)
        for line in log {
            for secret in secrets {
                #expect(!line.contains(secret), "a secret or a national identity number is in the log: \(line)")
            }
            // Any JWT at all: a header always starts with `{"` in base64url.
            #expect(!line.contains("eyJ"), "a JWT is in the log: \(line)")
            #expect(!line.contains("whsec_"), "a webhook secret is in the log: \(line)")
        }
    }
}
