import Foundation
import SamtykkeJOSE

/// An OpenID Connect authentication request (code flow) the provider has checked: the login form
/// carries its parameters, and the POST of the form is checked again the same way.
struct AuthorizationRequest: Sendable {
    let client: OpenIDClient
    let redirect: LoopbackRedirect
    let state: String?
    let nonce: String?
    /// PKCE S256; always present for a public client.
    let codeChallenge: String?

    /// The parameters as the login form carries them on.
    var formFields: [[String: String]] {
        var fields = [
            ("response_type", "code"), ("scope", "openid"), ("client_id", client.id), ("redirect_uri", redirect.uri),
        ]
        if let state { fields.append(("state", state)) }
        if let nonce { fields.append(("nonce", nonce)) }
        if let codeChallenge { fields += [("code_challenge", codeChallenge), ("code_challenge_method", PKCE.method)] }
        return fields.map { ["name": $0.0, "value": $0.1] }
    }

    /// Why a request is refused. Before the client and the redirect URI are known good the provider
    /// shows a page and redirects nowhere (RFC 6749 §4.1.2.1); after, it tells the client at its redirect URI.
    enum Refusal: Error {
        case page(String)
        case redirect(LoopbackRedirect, error: String, description: String, state: String?)
    }

    init(_ parameters: [String: String], clients: OpenIDClients) throws(Refusal) {
        guard let clientID = parameters["client_id"], let client = clients[clientID] else {
            throw .page("The client is unknown to this provider; it knows \(OpenIDClient.brokerID) and \(OpenIDClient.cliID).")
        }
        guard let uri = parameters["redirect_uri"], let redirect = LoopbackRedirect(uri) else {
            throw .page("The redirect URI must be an http(s) URL on a loopback host (127.0.0.1, [::1], localhost).")
        }
        let state = parameters["state"]
        func refuse(_ error: String, _ description: String) -> Refusal {
            .redirect(redirect, error: error, description: description, state: state)
        }
        guard parameters["response_type"] == "code" else { throw refuse("unsupported_response_type", "only response_type=code") }
        guard parameters["scope"]?.split(separator: " ").contains("openid") == true else { throw refuse("invalid_scope", "scope must include openid") }
        let challenge = parameters["code_challenge"]
        if let challenge {
            guard parameters["code_challenge_method"] == PKCE.method else { throw refuse("invalid_request", "code_challenge_method must be S256") }
            guard PKCE.isWellFormed(challenge) else { throw refuse("invalid_request", "code_challenge is malformed") }
        } else if client.isPublic {
            throw refuse("invalid_request", "a public client must send a PKCE code_challenge (S256)")
        }
        self.client = client
        self.redirect = redirect
        self.state = state
        self.nonce = parameters["nonce"]
        self.codeChallenge = challenge
    }
}
