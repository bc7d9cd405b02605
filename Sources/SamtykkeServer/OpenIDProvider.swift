/// The broker's outbound calls to the citizens' OpenID provider: the server depends on this
/// protocol only, and the composition root wires an implementation over libcurl (`CurlOpenID`), so
/// the HTTP target never links curl (issue 25).
public protocol OpenIDProvider: Sendable {
    /// The provider's metadata from `<issuer>/.well-known/openid-configuration`, its `issuer` checked
    /// to be the one asked for (OpenID Connect Discovery §4.3).
    func configuration() async throws -> OpenIDConfiguration
    /// Redeems an authorization code at the token endpoint with `client_secret_basic` and the PKCE
    /// verifier; the ID token of the answer.
    func redeem(code: String, redirectURI: String, codeVerifier: String, clientID: String, clientSecret: String) async throws -> String
}

/// What the broker reads of a provider's discovery document.
public struct OpenIDConfiguration: Sendable, Hashable, Decodable {
    public let issuer: String
    public let authorizationEndpoint: String
    public let tokenEndpoint: String
    public let jwksURI: String

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
    }

    public init(issuer: String, authorizationEndpoint: String, tokenEndpoint: String, jwksURI: String) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
    }
}
