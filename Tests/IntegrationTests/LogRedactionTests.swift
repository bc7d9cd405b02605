import CurlHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SamtykkeJOSE
import SamtykkeApp
import SamtykkeDemo
import SamtykkeServer
import Synchronization
import TestSupport
import Testing

/// The broker's log, at `.trace`, through a whole flow and every kind of refusal, access log
/// included (whose paths would hold national identity numbers: it logs route patterns), never holds a
/// national identity number, an ID token, an API key, any other JWT (consent tokens, bundles) or
/// any private key's material.
@Suite struct LogRedactionTests {
    /// Every private key of the PKI as it could show up in text: the PEM's base64 lines, and the raw
    /// scalar of the signing keys in base64 and hex (a reflected struct would print bytes, not PEM).
    static func privateKeyMaterial(_ files: [URL]) throws -> [String] {
        var material: [String] = []
        for file in files {
            let pem = try KeyFiles.read(file.path)
            material += pem.split(separator: "\n").filter { !$0.hasPrefix("-----") && $0.count >= 16 }.map(String.init)
            let raw = try #require(
                (try? KeyFiles.p256(file.path).rawRepresentation) ?? (try? KeyFiles.ed25519(file.path).rawRepresentation),
                "\(file.lastPathComponent) is neither a P-256 nor an Ed25519 key, so its raw forms would go unchecked"
            )
            material += [raw.base64EncodedString(), raw.map { String(format: "%02x", $0) }.joined()]
        }
        return material
    }

    @Test func nothingSecretOrPersonalIsLogged() async throws {
        let lines = CapturingLogHandler.Lines()
        let logger = Logger(label: "samtykke.broker") { _ in CapturingLogHandler(lines: lines) }

        let secrets = try await AuthorizationParties.run { parties -> [String] in
            // The same broker LocalStack built, served by an application that logs into `lines`.
            let app = try await buildBroker(parties.stack.broker.settings, logger: logger).application
            return try await app.test(.live) { client in
                let server = "http://127.0.0.1:\(try #require(client.port))"
                let bank = Caller(server: server, credential: parties.bankA)
                let citizen = Caller(server: server, credential: parties.citizenX)
                let auditor = Caller(server: server, credential: parties.auditor)

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
                #expect(try await Caller(server: server, credential: parties.bankA + "x").send("GET", "/v1/consents/\(id)").status == 401)
                #expect(try await Caller(server: server, credential: parties.citizenY + "x").send("GET", "/v1/me/consents").status == 401)
                #expect(try await Caller(server: server, credential: parties.auditor).send("GET", "/v1/consents/\(id)").status == 403)
                #expect(try await Caller(server: server, credential: parties.bankB).send("GET", "/v1/audit/entries?personId=\(parties.personY)").status == 403)
                #expect(try await Caller(server: server, credential: parties.citizenY).send("GET", "/v1/me/consents/\(id)").status == 404)
                #expect(try await auditor.send("GET", "/v1/audit/entries?personId=\(parties.personY)&x=\(parties.bankB)").status == 400)
                #expect(try await bank.send("GET", "/v1/persons/\(parties.personY)").status == 404)

                let keySecrets = [parties.bankA, parties.bankB, parties.auditor].map { String($0.split(separator: ".")[1]) }
                return [parties.personX, parties.personY, parties.bankA, parties.bankB, parties.auditor, parties.citizenX, parties.citizenY, bundle, webhookSecret]
                    + [String(webhookSecret.dropFirst("whsec_".count))]
                    + keySecrets + [parties.citizenX, parties.citizenY, bundle].map { String($0.split(separator: ".")[2]) }
                    + (try Self.privateKeyMaterial(parties.stack.paths.privateKeys))
            }
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
