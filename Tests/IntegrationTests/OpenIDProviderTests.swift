import Foundation
import SamtykkeJOSE
import TestSupport
import Testing

/// `samtykke dev id-provider` (issue 29.4) driven by a relying party we did not write (Authlib's
/// OAuth2 client, `scripts/oidc-client.py`, which also plays the browser): discovery, JWKS, the code
/// flow with PKCE for both clients, and every refusal; and the independent Python provider (29.5)
/// the other suites log in with, checked with the same client.
@Suite(.heavy, .sameOnEveryBackend) struct OpenIDProviderTests {
    static let client = Package.root.appendingPathComponent("scripts/oidc-client.py").path
    static let person = "14830351257"

    static func run(_ provider: OpenIDTestProvider) async throws -> [String: [String: Any]] {
        let run = try await TestPython.run([client, provider.issuer, provider.caFile, provider.brokerClientSecret, person])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Any]], "\(run.stdout)")
    }

    /// The ID token each client got: its claims, checked by joserfc against the provider's JWKS.
    static func expectFlow(_ results: [String: [String: Any]], _ name: String, audience: String, issuer: String) {
        let flow = results[name] ?? [:]
        #expect(flow["stateReturned"] as? Bool == true && flow["pidInput"] as? Bool == true, "\(name): \(flow)")
        let claims = flow["claims"] as? [String: Any] ?? [:]
        #expect(claims["iss"] as? String == issuer && claims["pid"] as? String == person && claims["acr"] as? String == "idporten-loa-substantial", "\(name): \(claims)")
        let aud = claims["aud"] as? String ?? (claims["aud"] as? [String])?.first
        #expect(aud == audience && claims["nonce"] is String && claims["iat"] is Int && claims["exp"] is Int, "\(name): \(claims)")
        #expect((flow["header"] as? [String: Any])?["typ"] as? String == "JWT", "\(name): \(flow)")
    }

    @Test func theDevProviderServesTheCodeFlowToAClientWeDidNotWriteAndRefusesEveryBadRequest() async throws {
        let pki = try await TestPKI.main.value
        let provider = try await OpenIDTestProvider.dev(binary: Package.binary, pki: pki, fixtures: Package.root.appendingPathComponent("Fixtures"))
        let results = try await withCleanup { try await Self.run(provider) } cleanup: { await provider.stop() }
        #expect(provider.issuer.hasPrefix("https://127.0.0.1:"))

        let discovery = results["discovery"] ?? [:]
        #expect(discovery["issuer"] as? String == provider.issuer)
        #expect(discovery["authorization_endpoint"] as? String == provider.issuer + "/authorize")
        #expect(discovery["token_endpoint"] as? String == provider.issuer + "/token")
        #expect(discovery["code_challenge_methods_supported"] as? [String] == ["S256"])
        #expect(discovery["token_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "none"])
        let keys = results["jwks"]?["keys"] as? [[String: Any]] ?? []
        let devKey = PublicJWK(try KeyFiles.p256(pki.idProviderKey.path).publicKey)
        #expect(keys.count == 1 && keys.first?["kid"] as? String == devKey.kid && keys.first?["x"] as? String == devKey.x, "the JWKS is the dev ID-provider key: \(keys)")

        Self.expectFlow(results, "cliFlow", audience: OpenIDTestProvider.cliClientID, issuer: provider.issuer)
        Self.expectFlow(results, "brokerFlow", audience: OpenIDTestProvider.brokerClientID, issuer: provider.issuer)
        #expect(results["cliFlow"]?["loginStatus"] as? Int == 303 && results["cliFlow"]?["issReturned"] as? String == provider.issuer)

        func status(_ name: String) -> Int? { results[name]?["status"] as? Int }
        for name in ["replayedCode", "missingVerifier", "wrongVerifier", "otherRedirectAtToken", "codeOfAnotherClient"] {
            #expect(status(name) == 400 && results[name]?["error"] as? String == "invalid_grant", "\(name): \(results[name] ?? [:])")
            #expect(results[name]?["cacheControl"] as? String == "no-store")
        }
        for name in ["wrongSecret", "unknownClientAtToken", "publicClientPosingAsBroker"] {
            #expect(status(name) == 401 && results[name]?["error"] as? String == "invalid_client", "\(name): \(results[name] ?? [:])")
            #expect((results[name]?["challenge"] as? String)?.hasPrefix("Basic ") == true, "\(name): \(results[name] ?? [:])")
        }
        // A bad client or redirect URI: a page, never a redirect anywhere.
        for name in ["nonLoopbackRedirect", "lookalikeRedirect", "localhostLookalike", "unknownClient", "invalidPid", "forgedFormRedirect"] {
            #expect(status(name) == 400 && results[name]?["location"] is NSNull, "\(name): \(results[name] ?? [:])")
        }
        let noPKCE = results["publicClientWithoutPKCE"] ?? [:]
        #expect(status("publicClientWithoutPKCE") == 303 && (noPKCE["location"] as? String)?.contains("error=invalid_request") == true, "\(noPKCE)")
    }

    @Test func theDevProviderRefusesToStartWithoutADevPKI() async throws {
        try await withTemporaryDirectory { dir in
            let result = try await runCLI(["dev", "id-provider", "--pki", dir.path, "--port", "0"])
            #expect(result.status != 0)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && result.stderr.contains("dev PKI") && result.stderr.contains("samtykke dev pki"), "\(result.stderr)")
        }
    }

    @Test func thePythonProviderServesTheCodeFlowWithItsOwnCA() async throws {
        try await withTemporaryDirectory { dir in
            let provider = try await OpenIDTestProvider.python(try await TestPython.executable, in: dir)
            let results = try await withCleanup { try await Self.run(provider) } cleanup: { await provider.stop() }
            #expect(results["discovery"]?["issuer"] as? String == provider.issuer)
            #expect(try String(contentsOfFile: provider.caFile, encoding: .utf8) != (try String(contentsOf: try await TestPKI.main.value.caCertificate, encoding: .utf8)))
            Self.expectFlow(results, "cliFlow", audience: OpenIDTestProvider.cliClientID, issuer: provider.issuer)
            Self.expectFlow(results, "brokerFlow", audience: OpenIDTestProvider.brokerClientID, issuer: provider.issuer)
            #expect(results["replayedCode"]?["error"] as? String == "invalid_grant" && results["wrongVerifier"]?["error"] as? String == "invalid_grant")
            #expect(results["wrongSecret"]?["status"] as? Int == 401 && results["unknownClient"]?["status"] as? Int == 400)
            #expect(results["nonLoopbackRedirect"]?["status"] as? Int == 400 && results["nonLoopbackRedirect"]?["location"] is NSNull, "\(results["nonLoopbackRedirect"] ?? [:])")
        }
    }
}
