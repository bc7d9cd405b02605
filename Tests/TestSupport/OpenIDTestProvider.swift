import DevPKI
import Foundation

/// An OpenID provider for a test, run as its own process on 127.0.0.1: `samtykke dev id-provider`.
/// The test gets what a relying party is configured with: the issuer, the CA to trust, and the clients.
public struct OpenIDTestProvider: Sendable {
    public static let brokerClientID = "samtykke-broker"
    public static let cliClientID = "samtykke-cli"

    /// `https://127.0.0.1:PORT`; discovery at `issuer + "/.well-known/openid-configuration"`.
    public let issuer: String
    /// The PEM file of the CA the provider's certificate chains to.
    public let caFile: String
    /// The secret of the confidential client `samtykke-broker` (client_secret_basic).
    public let brokerClientSecret: String
    public let process: ServerProcess

    /// `samtykke dev id-provider --pki` on `pki`, the `samtykke` at `binary`.
    public static func dev(binary: URL, pki: PKIPaths, fixtures: URL? = nil) async throws -> OpenIDTestProvider {
        let process = ServerProcess(
            name: "dev ID provider", executable: binary.path,
            arguments: ["dev", "id-provider", "--pki", pki.directory.path] + (fixtures.map { ["--fixtures", $0.path] } ?? [])
        )
        try process.start()
        let issuer = try await process.waitUntilListening()
        let secret = try String(contentsOf: pki.idClientSecret, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return OpenIDTestProvider(issuer: issuer, caFile: pki.caCertificate.path, brokerClientSecret: secret, process: process)
    }

    public func stop() async {
        await process.stop()
    }
}
