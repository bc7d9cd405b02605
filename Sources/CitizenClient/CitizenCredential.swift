/// What a consent command shows the broker: an ID token given with `--id-token` or
/// `SAMTYKKE_ID_TOKEN`, or the session `samtykke login` kept.
public enum CitizenCredential: Sendable, Hashable {
    case idToken(String)
    case session(String)

    public var bearer: String {
        switch self {
        case .idToken(let token), .session(let token): token
        }
    }

    /// The broker and the credential to use: explicit ones win (`--server`, `--id-token` and their
    /// variables); the kept session fills in what is not given, and only for its own broker.
    public static func resolve(server: String?, idToken: String?, kept: CitizenSession?) throws(CitizenError) -> (server: String, credential: CitizenCredential) {
        if let idToken {
            guard let server = server ?? kept?.server else { throw CitizenError(.notLoggedIn) }
            return (server, .idToken(idToken))
        }
        guard let kept, server == nil || Self.sameBroker(server!, kept.server) else { throw CitizenError(.notLoggedIn) }
        return (kept.server, .session(kept.session))
    }

    private static func sameBroker(_ a: String, _ b: String) -> Bool {
        func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
        return trimmed(a) == trimmed(b)
    }
}
