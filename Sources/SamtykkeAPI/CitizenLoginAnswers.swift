/// `GET /v1/citizen-login`: which OpenID provider and client id `samtykke login` logs in with (SPEC §2b).
public struct CitizenLoginAnswer: Codable, Sendable, Hashable {
    public let issuer: String
    public let clientId: String
    /// The broker always names it; a client still logs in without it.
    public let acrValues: String?

    public init(issuer: String, clientId: String, acrValues: String?) {
        self.issuer = issuer
        self.clientId = clientId
        self.acrValues = acrValues
    }
}

/// `POST /v1/citizen-sessions`: the session an ID token was traded for.
public struct CitizenSessionAnswer: Codable, Sendable, Hashable {
    public let session: String
    public let expiresAt: String

    public init(session: String, expiresAt: String) {
        self.session = session
        self.expiresAt = expiresAt
    }
}
