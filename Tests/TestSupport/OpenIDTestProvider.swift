import DevPKI
import Foundation

/// An OpenID provider for a test, run as its own process on 127.0.0.1: `samtykke dev id-provider`
/// (ours), or `scripts/oidc-provider.py` (Authlib's authorization server, with a throwaway CA of its
/// own: a provider we did not write). Either way the test gets what a relying party is configured
/// with: the issuer, the CA to trust, and the clients.
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

    /// `scripts/oidc-provider.py` run by `python` (which needs authlib, flask and cryptography), its CA
    /// and key written into `directory`.
    public static func python(_ python: URL, in directory: URL) async throws -> OpenIDTestProvider {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secret = UUID().uuidString + UUID().uuidString
        let process = ServerProcess(
            name: "Python OpenID provider", executable: python.path,
            arguments: [TestFiles.packageRoot.appendingPathComponent("scripts/oidc-provider.py").path, directory.path],
            environment: ["OIDC_CLIENT_SECRET": secret, "PYTHONWARNINGS": "ignore::DeprecationWarning"]
        )
        try process.start()
        let issuer = try await process.waitUntilListening()
        return OpenIDTestProvider(issuer: issuer, caFile: directory.appendingPathComponent("ca.pem").path, brokerClientSecret: secret, process: process)
    }

    public func stop() async {
        await process.stop()
    }
}
