import Crypto
import CurlOpenID
import Foundation
import SamtykkeCore
import SamtykkeDemo
import SamtykkeJOSE
import SamtykkeServer
import TestSupport
import Testing

/// The broker's OpenID client over libcurl (`CurlOpenIDProvider`) on its own, against the
/// independent provider on Authlib (`scripts/oidc-provider.py`, a CA of its own): discovery, the
/// JWKS, a code redeemed with `client_secret_basic` and the PKCE verifier, and the provider's refusals
/// told apart.
@Suite(.heavy, .sameOnEveryBackend) struct CurlOpenIDProviderTests {
    @Test func discoveryJWKSAndTheCodeExchangeWorkAgainstAProviderWeDidNotWrite() async throws {
        try await withTemporaryDirectory { dir in
            let provider = try await OpenIDTestProvider.python(try await TestPython.executable, in: dir)
            try await withCleanup {
                let ca = Array(try Data(contentsOf: URL(fileURLWithPath: provider.caFile)))
                let client = CurlOpenIDProvider(issuer: provider.issuer + "/", extraTrustPEM: ca)
                let configuration = try await client.configuration()
                #expect(configuration.issuer == provider.issuer && configuration.tokenEndpoint == provider.issuer + "/token")
                #expect(configuration.authorizationEndpoint == provider.issuer + "/authorize" && configuration.jwksURI == provider.issuer + "/jwks")
                let keys = try JSONSerialization.jsonObject(with: Data(try await client.jwks().utf8)) as? [String: Any]
                #expect((keys?["keys"] as? [[String: Any]])?.first?["kty"] as? String == "EC", "\(keys ?? [:])")

                let redirect = "http://127.0.0.1:9/callback"
                let verifier = UUID().uuidString + UUID().uuidString
                let challenge = Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8))))
                let nonce = UUID().uuidString
                let query = [
                    ("response_type", "code"), ("client_id", OpenIDTestProvider.brokerClientID), ("redirect_uri", redirect), ("scope", "openid"),
                    ("state", "s"), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256"),
                ].map { "\($0.0)=\(formEncoded($0.1))" }.joined(separator: "&")
                var browser = DemoBrowser(trustPEM: ca)
                let login = try await browser.open(configuration.authorizationEndpoint + "?" + query)
                let form = try DemoBrowser.firstForm(login.page, at: login.url)
                let back = try await browser.open(form.action, form: form.fields + [("pid", TestParties.person)]) { $0.hasPrefix(redirect) }
                let code = try #require(URLComponents(string: back.url)?.queryItems?.first { $0.name == "code" }?.value, "\(back.url)")

                let idToken = try await client.redeem(
                    code: code, redirectURI: redirect, codeVerifier: verifier, clientID: OpenIDTestProvider.brokerClientID, clientSecret: provider.brokerClientSecret
                )
                let payload = try #require(idToken.split(separator: ".").dropFirst().first.flatMap { Base64URL.decode(String($0)) })
                let claims = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] ?? [:]
                #expect(claims["pid"] as? String == TestParties.person && claims["nonce"] as? String == nonce && claims["iss"] as? String == provider.issuer, "\(claims)")

                // The code again, and a wrong secret: refused, each with the provider's reason.
                await #expect(throws: OpenIDProviderError.self) {
                    do {
                        _ = try await client.redeem(
                            code: code, redirectURI: redirect, codeVerifier: verifier, clientID: OpenIDTestProvider.brokerClientID, clientSecret: provider.brokerClientSecret
                        )
                    } catch let error as OpenIDProviderError {
                        #expect(error.description.contains("(invalid_grant)"), "\(error)")
                        throw error
                    }
                }
                await #expect(throws: OpenIDProviderError.self) {
                    do {
                        _ = try await client.redeem(code: code, redirectURI: redirect, codeVerifier: verifier, clientID: OpenIDTestProvider.brokerClientID, clientSecret: "wrong")
                    } catch let error as OpenIDProviderError {
                        #expect(error.description.contains("401 (invalid_client)"), "\(error)")
                        throw error
                    }
                }
            } cleanup: {
                await provider.stop()
            }
        }
    }
}
