/// How citizens log in (SPEC §2b): which OpenID provider, the CLI's client id it tells the CLI, and
/// the broker's own client for the consent pages. Decided once by the composition root.
public struct CitizenLogin: Sendable {
    /// `serve --id-issuer`: nil when the broker knows no provider to send citizens to, and then
    /// neither the pages nor `samtykke login` can log anyone in.
    public var issuer: String?
    /// `serve --id-cli-client-id`: the public client `samtykke login` uses at the provider; its ID
    /// tokens are exchanged for sessions at `POST /v1/citizen-sessions`. Nil at a provider other than
    /// a dev one unless named: there a default name would let any client registered under it mint
    /// tokens the exchange takes, so without one `samtykke login` is not offered.
    public var cliClientID: String?
    /// The broker's own client for the pages' login (authorization code flow); nil without
    /// `--id-client-id`, and the pages then only say that login is not set up.
    public var web: WebClient?

    public static let defaultCLIClientID = "samtykke-cli"
    /// What the broker asks the provider for, and what the CLI is told to ask for.
    public static let acrValues = "idporten-loa-substantial"

    public struct WebClient: Sendable {
        public var clientID: String
        public var clientSecret: String
        /// Discovery, the JWKS and the token endpoint, over the composition root's HTTP client.
        public var provider: any OpenIDProvider

        public init(clientID: String, clientSecret: String, provider: any OpenIDProvider) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.provider = provider
        }
    }

    public init(issuer: String? = nil, cliClientID: String? = Self.defaultCLIClientID, web: WebClient? = nil) {
        self.issuer = issuer
        self.cliClientID = cliClientID
        self.web = web
    }
}
