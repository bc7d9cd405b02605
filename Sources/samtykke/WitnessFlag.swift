import ArgumentParser
import CurlHTTP
import Foundation
import TransparencyLog
import Witness

/// `serve --witness URL=VKEY`: where a witness takes submissions (`/add-checkpoint` is appended),
/// and the key its cosignatures must verify with. VKEY is what `samtykke witness key` prints; it
/// may end in `=`, so the URL is everything before the first `=`.
struct WitnessFlag: Sendable {
    let url: String
    let verifier: CosignatureVerifier

    init(_ text: String) throws {
        guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--witness must be URL=VKEY, not \(text)") }
        let url = String(text[..<equals])
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ValidationError("--witness \(url): not an http or https URL")
        }
        do {
            verifier = try CosignatureVerifier(verifierKey: String(text[text.index(after: equals)...]))
        } catch {
            throw ValidationError("--witness \(url): the key is not a witness verifier key: \(error)")
        }
        self.url = url
    }

    /// A submission is bounded: a witness that hangs costs its own loop ten seconds, nothing more.
    func client() -> WitnessClient {
        WitnessClient(url: url, verifier: verifier, http: CurlClient(configuration: CurlClientConfiguration(totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS)))
    }
}
