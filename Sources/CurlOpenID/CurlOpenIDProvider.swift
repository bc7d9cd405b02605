import CurlHTTP
import Foundation
import SamtykkeServer

/// The citizens' OpenID provider over libcurl: discovery (read once and kept), its JWKS, and the
/// token endpoint with `client_secret_basic` (RFC 6749 §2.3.1) and the PKCE verifier (RFC 7636).
/// Only https, trusting the system's roots and `extraTrustPEM` (`serve --id-ca`).
public actor CurlOpenIDProvider: OpenIDProvider {
    private let issuer: String
    private let client: CurlClient
    private var discovered: OpenIDConfiguration?

    public init(issuer: String, extraTrustPEM: [UInt8]?) {
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(3), totalTimeout: .seconds(10), tls: extraTrustPEM.map { CurlTLSConfiguration(additionalTrustPEM: $0) },
            maxConcurrentRequests: 8, allowedProtocols: .https, userAgent: "samtykke"
        ))
    }

    public func configuration() async throws -> OpenIDConfiguration {
        if let discovered { return discovered }
        let url = issuer + "/.well-known/openid-configuration"
        let body = try await fetch(CurlRequest.get(url, headers: [CurlHeader(name: "Accept", value: "application/json")]), what: "discovery")
        let configuration: OpenIDConfiguration
        do {
            configuration = try JSONDecoder().decode(OpenIDConfiguration.self, from: Data(body))
        } catch {
            throw OpenIDProviderError.unusable("the discovery document at \(url) lacks issuer, authorization_endpoint, token_endpoint or jwks_uri")
        }
        // OpenID Connect Discovery §4.3: the issuer in the document must be the one asked.
        guard configuration.issuer == issuer || configuration.issuer == issuer + "/" else {
            throw OpenIDProviderError.unusable("the discovery document names issuer \(configuration.issuer), not \(issuer)")
        }
        for endpoint in [configuration.authorizationEndpoint, configuration.tokenEndpoint, configuration.jwksURI] where !endpoint.lowercased().hasPrefix("https://") {
            throw OpenIDProviderError.unusable("the discovery document names an endpoint that is not https: \(endpoint)")
        }
        discovered = configuration
        return configuration
    }

    public func jwks() async throws -> String {
        let url = try await configuration().jwksURI
        return String(decoding: try await fetch(CurlRequest.get(url), what: "JWKS"), as: UTF8.self)
    }

    public func redeem(code: String, redirectURI: String, codeVerifier: String, clientID: String, clientSecret: String) async throws -> String {
        let endpoint = try await configuration().tokenEndpoint
        let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", codeVerifier)]
            .map { "\($0.0)=\(formEncoded($0.1))" }.joined(separator: "&")
        // RFC 6749 §2.3.1: the id and secret form-encoded before they are joined and base64-encoded.
        let basic = Data("\(formEncoded(clientID)):\(formEncoded(clientSecret))".utf8).base64EncodedString()
        let request = CurlRequest(
            method: "POST", url: endpoint,
            headers: [
                CurlHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"), CurlHeader(name: "Accept", value: "application/json"),
                CurlHeader(name: "Authorization", value: "Basic \(basic)"),
            ],
            body: Array(form.utf8)
        )
        struct TokenAnswer: Decodable {
            let idToken: String
            enum CodingKeys: String, CodingKey { case idToken = "id_token" }
        }
        let body = try await fetch(request, what: "token endpoint")
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(body)) else {
            throw OpenIDProviderError.unusable("the token endpoint answered without an id_token")
        }
        return answer.idToken
    }

    private func fetch(_ request: CurlRequest, what: String) async throws -> [UInt8] {
        let response: CurlResponse
        do {
            response = try await client.execute(request)
        } catch {
            throw OpenIDProviderError.unreachable("the ID provider's \(what) cannot be reached: \(error)")
        }
        guard response.status == 200 else {
            // The token endpoint's RFC 6749 §5.2 error code says why (invalid_grant: a code used twice or expired).
            let code = (try? JSONDecoder().decode([String: String].self, from: Data(response.body)))?["error"].map { " (\($0))" } ?? ""
            throw OpenIDProviderError.refused("the ID provider's \(what) answered \(response.status)\(code)")
        }
        return response.body
    }
}
