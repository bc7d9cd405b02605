import Foundation
import TestSupport
import SamtykkeApp
import Testing

/// A bank with only private keys, written with clients the broker did not come with (PyJWT for the
/// RFC 7523 assertion, joserfc for RFC 9449 proofs; `scripts/key-bank-client.py`), against a live
/// broker whose keys were registered with the CLI: the whole flow, and every refusal of issue 30.
@Suite(.heavy) struct KeyBankClientTests {
    static let script = Package.root.appendingPathComponent("scripts/key-bank-client.py").path
    static let bankA = "923609016"
    static let bankB = "918713867"

    /// Registers both banks of `keys DIR` with the CLI (no API key) and retires bank A's key `retired`.
    static func registerBanks(in dir: URL, store: StoreLocation) async throws {
        let made = try await TestPython.run([script, "keys", dir.path])
        #expect(made.status == 0, "\(made.stderr)")
        for (org, file) in [(bankA, "a.jwks"), (bankB, "b.jwks")] {
            let added = try await runCLI(["bank", "add"] + TestBackend.flags(store) + ["--org", org, "--name", "Nøkkel Bank \(org)", "--jwks", dir.appendingPathComponent(file).path])
            #expect(added.status == 0 && added.stdout.isEmpty, "bank add --jwks printed \(added.stdout), \(added.stderr)")
        }
        let removed = try await runCLI(["bank", "key", "remove"] + TestBackend.flags(store) + ["--org", bankA, "--kid", "retired"])
        #expect(removed.status == 0, "\(removed.stderr)")
    }

    typealias Results = [String: [String: Any]]

    static func results(_ output: String) throws -> Results {
        try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? Results, "\(output)")
    }

    @Test func aBankWithOnlyItsPrivateKeyDoesTheWholeFlowAndEveryBadInputIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir) { stack in
                try await Self.registerBanks(in: dir, store: stack.store)
                let listed = try await runCLI(["bank", "key", "list"] + TestBackend.flags(stack.store) + ["--org", Self.bankA])
                #expect(listed.status == 0 && listed.stdout.contains("ec-1  ES256") && listed.stdout.contains("rsa-1  RS256") && !listed.stdout.contains("retired"), "\(listed.stdout)")
                #expect(try await runCLI(["bank", "keys"] + TestBackend.flags(stack.store) + ["--org", Self.bankA]).stdout.isEmpty, "a key bank has no API key")

                let person = try fixturePeople()[0].personId.digits
                let run = try await TestPython.run([
                    Self.script, "flow", dir.path, stack.broker.url, stack.broker.url, Self.bankA, Self.bankB, person, try await stack.idToken(for: person),
                ])
                #expect(run.status == 0, "\(run.stderr)")
                let results = try Self.results(run.stdout)
                func status(_ name: String) -> Int? { results[name]?["status"] as? Int }
                func error(_ name: String) -> String? { results[name]?["error"] as? String }

                // The flow.
                #expect(status("token") == 200 && results["token"]?["cacheControl"] as? String == "no-store")
                let granted = try #require(results["token"]?["body"] as? [String: Any])
                #expect(granted["token_type"] as? String == "DPoP" && (granted["expires_in"] as? Int ?? 0) <= 300)
                #expect(status("tokenRS256") == 200)
                #expect((results["tokenBearer"]?["body"] as? [String: Any])?["token_type"] as? String == "Bearer")
                #expect(status("create") == 201 && status("grant") == 200, "\(results["create"] ?? [:])")
                #expect(status("bundle") == 201, "\(results["bundle"] ?? [:])")
                #expect(status("show") == 200 && (results["show"]?["body"] as? [String: Any])?["uses"] as? Int == 1)
                #expect(status("list") == 200 && status("proofNormalisedURL") == 200)
                #expect(status("otherBankReads") == 404, "never an answer about another bank's data")

                // Every refusal of the grant: 400 with its RFC 6749 / 7523 error.
                let grantRefusals = [
                    "unregisteredKey": "invalid_grant", "removedKey": "invalid_grant", "algNone": "invalid_grant", "algHS256": "invalid_grant",
                    "wrongAudience": "invalid_grant", "issIsNotSub": "invalid_grant", "expired": "invalid_grant", "tooLongLived": "invalid_grant",
                    "replayedJti": "invalid_grant", "repeatedParameter": "invalid_request", "wrongScope": "invalid_scope",
                    "wrongGrantType": "unsupported_grant_type",
                ]
                #expect(status("firstUse") == 200)
                for (name, expected) in grantRefusals.sorted(by: { $0.key < $1.key }) {
                    #expect(status(name) == 400 && error(name) == expected, "\(name): \(results[name] ?? [:])")
                }
                // Every refusal of a proof: 401 with the DPoP challenge.
                #expect(status("proofFirstUse") == 200)
                for name in ["proofWrongMethod", "proofWrongURL", "proofStaleIat", "proofReusedJti", "proofWrongAth", "proofPrivateKey", "proofForAnotherToken", "tokenWithAnotherBanksKey"] {
                    #expect(status(name) == 401, "\(name): \(results[name] ?? [:])")
                    #expect((results[name]?["challenge"] as? String)?.contains(#"error="invalid_dpop_proof""#) == true, "\(name): \(results[name] ?? [:])")
                }
            }
        }
    }
}
