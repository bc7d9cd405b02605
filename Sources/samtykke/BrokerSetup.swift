import AgencyClient
import ArgumentParser
import CurlHTTP
import DevPKI
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStorage
import TransparencyLog

/// The broker's files and settings: `--pki DIR` alone for development, or each file named on its own.
struct BrokerFlags: ParsableArguments {
    @Option(help: "Directory for the SQLite database (SAMTYKKE_DATA_DIR).")
    var dataDir: String?
    @Option(help: "A dev PKI from `samtykke dev pki`; supplies every key and certificate not named below.")
    var pki: String?
    @Option(help: "The tax agency's base URL, e.g. https://127.0.0.1:8443.")
    var taxAgency: String?
    @Option(help: "CA certificate that is the only trust anchor for the agency (default: PKI ca.pem).")
    var agencyCa: String?
    @Option(help: "The broker's TLS client certificate for the agency (default: PKI broker-client.pem).")
    var clientCert: String?
    @Option(help: "Its private key, mode 0600 (default: PKI broker-client.key).")
    var clientKey: String?
    @Option(help: "P-256 key that signs bundles and consent tokens, mode 0600 (default: PKI bundle-signing.key).")
    var bundleKey: String?
    @Option(help: "Ed25519 key that signs log checkpoints, mode 0600 (default: PKI log.key).")
    var logSigningKey: String?
    @Option(help: "The log's origin line in checkpoints, also the note key name.")
    var logOrigin: String?
    @Option(help: "Expected `iss` of citizen ID tokens (default with --pki: the dev provider).")
    var idIssuer: String?
    @Option(help: "JWKS of the ID provider, a file or an https URL (default with --pki: the dev provider key).")
    var idJwks: String?
    @Option(help: "Expected `aud` of citizen ID tokens.")
    var idAudience: String?
    @Option(help: "`iss` of bundles; defaults to the broker's own URL.")
    var issuer: String?
    @Option(help: "`aud` of consent tokens: the agency's identifier.")
    var agencyAudience: String?

    var settings: BrokerSettings {
        BrokerSettings(
            dataDir: dataDir,
            pki: pki,
            taxAgency: taxAgency,
            agencyCa: agencyCa,
            clientCert: clientCert,
            clientKey: clientKey,
            bundleKey: bundleKey,
            logSigningKey: logSigningKey,
            logOrigin: logOrigin,
            idIssuer: idIssuer,
            idJwks: idJwks,
            idAudience: idAudience,
            issuer: issuer,
            agencyAudience: agencyAudience
        )
    }
}

/// What the broker is built from, however it was given: flags, environment, or code (demo, tests).
/// Each value is resolved flag-first, then `SAMTYKKE_<FLAG>`, then the dev PKI.
struct BrokerSettings: Sendable {
    var dataDir: String?
    var pki: String?
    var taxAgency: String?
    var agencyCa: String?
    var clientCert: String?
    var clientKey: String?
    var bundleKey: String?
    var logSigningKey: String?
    var logOrigin: String?
    var idIssuer: String?
    var idJwks: String?
    var idAudience: String?
    var issuer: String?
    var agencyAudience: String?

    static let defaultLogOrigin = "samtykke.local/consent-log"
    static let defaultAgencyAudience = "urn:samtykke:tax-agency"

    private func file(_ flag: String, _ given: String?, pki keyPath: KeyPath<PKIPaths, URL>) throws -> String {
        if let value = Env.value(flag, given) { return value }
        guard let dir = Env.value("pki", pki) else { throw ValidationError("missing --\(flag) (or --pki DIR)") }
        return PKIPaths(directory: URL(fileURLWithPath: dir))[keyPath: keyPath].path
    }

    /// Opens (creating and migrating) the database under `--data-dir` with the log's signing key.
    func openDatabase() throws -> SamtykkeDatabase {
        let dataDir = try Env.require("data-dir", dataDir)
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let origin = Env.value("log-origin", logOrigin) ?? Self.defaultLogOrigin
        let noteSigner = try NoteSigner(name: origin, privateKey: KeyFiles.ed25519(try file("log-signing-key", logSigningKey, pki: \.logKey)))
        return try SamtykkeDatabase(
            path: (dataDir as NSString).appendingPathComponent("samtykke.sqlite"),
            log: ConsentLog(origin: origin, signer: noteSigner)
        )
    }

    /// Opens everything and assembles the broker; `publicURL` is where it will listen.
    func makeBroker(publicURL: String) async throws -> Broker {
        let database = try openDatabase()
        let clientCert = try file("client-cert", clientCert, pki: \.brokerClientCertificate)
        let clientKey = try file("client-key", clientKey, pki: \.brokerClientKey)
        try KeyFiles.requirePrivate(clientKey)
        let agency = CurlTaxAgency(
            baseURL: try Env.require("tax-agency", taxAgency),
            tls: CurlTLSConfiguration(caFile: try file("agency-ca", agencyCa, pki: \.caCertificate), clientCertificateFile: clientCert, clientKeyFile: clientKey)
        )
        let signer = try await ES256Signer(privateKey: KeyFiles.p256(try file("bundle-key", bundleKey, pki: \.bundleSigningKey)))
        return Broker(
            issuer: Env.value("issuer", issuer) ?? publicURL,
            database: database,
            agency: agency,
            agencyAudience: Env.value("agency-audience", agencyAudience) ?? Self.defaultAgencyAudience,
            clientCertificateSHA256: try KeyFiles.certificateSHA256(clientCert),
            signer: signer,
            idTokens: try await idTokenVerifier(),
            logVerifierKey: database.log.signer.verifierKey
        )
    }

    private func idTokenVerifier() async throws -> IDTokenVerifier {
        let configuration = IDTokenVerifier.Configuration(
            issuer: Env.value("id-issuer", idIssuer) ?? DevIDProvider.issuer,
            audience: Env.value("id-audience", idAudience) ?? DevIDProvider.audience
        )
        if let source = Env.value("id-jwks", idJwks) {
            return IDTokenVerifier(configuration: configuration, loadJWKS: JWKSSource.loader(source))
        }
        guard Env.value("id-issuer", idIssuer) == nil else { throw ValidationError("--id-issuer needs --id-jwks") }
        let devKey = try file("id-provider-key", nil, pki: \.idProviderKey)
        let jwks = JWKSet(keys: [PublicJWK(try KeyFiles.p256(devKey).publicKey)])
        let json = String(decoding: try JSONEncoder().encode(jwks), as: UTF8.self)
        return IDTokenVerifier(configuration: configuration, loadJWKS: { json })
    }
}
