import CurlHTTP
import Foundation
import TransparencyLog
import Witness

/// A witness the broker submits its checkpoints to, written `URL=VKEY` (SPEC §7 `--witness`): where
/// it takes submissions (`/add-checkpoint` is appended), and the key its cosignatures must verify
/// with. VKEY is what `samtykke witness key` prints; it may end in `=`, so the URL is everything
/// before the first `=`.
public struct WitnessEndpoint: Sendable {
    public let url: String
    public let verifier: CosignatureVerifier

    public init(_ text: String) throws(WitnessEndpointError) {
        guard let equals = text.firstIndex(of: "=") else { throw .notURLEqualsKey(text) }
        let url = String(text[..<equals])
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
            throw .notHTTP(url)
        }
        // The URL names the witness on /readyz and in /metrics, which are public.
        guard parsed.user == nil, parsed.password == nil else { throw .carriesCredentials }
        do {
            verifier = try CosignatureVerifier(verifierKey: String(text[text.index(after: equals)...]))
        } catch {
            throw .notAWitnessKey(url, cause: error)
        }
        self.url = url
    }

    /// A submission is bounded: a witness that hangs costs its own loop ten seconds, nothing more.
    public func client() -> WitnessClient {
        WitnessClient(url: url, verifier: verifier, http: CurlClient(configuration: CurlClientConfiguration(totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS)))
    }
}

public enum WitnessEndpointError: Error, CustomStringConvertible {
    case notURLEqualsKey(String)
    case notHTTP(String)
    case notAWitnessKey(String, cause: any Error)
    case carriesCredentials

    public var description: String {
        switch self {
        case .notURLEqualsKey(let text): "must be URL=VKEY, not \(text)"
        case .notHTTP(let url): "\(url): not an http or https URL"
        case .notAWitnessKey(let url, let cause): "\(url): the key is not a witness verifier key: \(cause)"
        case .carriesCredentials: "must not carry a user name or password in its URL: the URL names the witness on /readyz and /metrics, which are public"
        }
    }
}
