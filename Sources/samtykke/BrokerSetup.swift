import AgencyClient
import ArgumentParser
import CurlHTTP
import DevPKI
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import Logging
import SamtykkeApp
import SamtykkeServer
import SamtykkeStore
import TransparencyLog

/// The broker's files and settings: `--pki DIR` alone for development, or each file named on its own.
struct BrokerFlags: ParsableArguments {
    @OptionGroup var store: StoreFlags
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
    @Option(help: "A bundle-signing key no longer in use (PEM, public or private); repeatable. Published in the JWKS so bundles it signed still verify.")
    var retiredBundleKey: [String] = []
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
    @Option(help: "`iss` of bundles and consent tokens; defaults to \(PKIPaths.devBrokerIssuer) with --pki, else the broker's own URL.")
    var issuer: String?
    @Option(help: "`aud` of consent tokens: the agency's identifier.")
    var agencyAudience: String?

    var settings: BrokerSettings {
        BrokerSettings(
            dataDir: store.dataDir,
            database: store.database,
            pki: pki,
            taxAgency: taxAgency,
            agencyCa: agencyCa,
            clientCert: clientCert,
            clientKey: clientKey,
            bundleKey: bundleKey,
            retiredBundleKeys: retiredBundleKey,
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
    var database: String?
    var pki: String?
    var taxAgency: String?
    var agencyCa: String?
    var clientCert: String?
    var clientKey: String?
    var bundleKey: String?
    /// Flag values, or SAMTYKKE_RETIRED_BUNDLE_KEY as a comma-separated list.
    var retiredBundleKeys: [String] = []
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

    var storeLocation: StoreLocation {
        get throws { try StoreLocation.fromFlags(dataDir: dataDir, database: database) }
    }

    func logSigner() throws -> LogSigner {
        let origin = Env.value("log-origin", logOrigin) ?? Self.defaultLogOrigin
        return LogSigner(origin: origin, signer: try NoteSigner(name: origin, privateKey: KeyFiles.ed25519(try file("log-signing-key", logSigningKey, pki: \.logKey))))
    }

    /// Opens everything and assembles the broker; `publicURL` is where it will listen. The store's
    /// services must run while the broker does.
    func makeBroker(publicURL: String, logger: Logger) async throws -> (broker: Broker, store: OpenedStore) {
        let opened = try await OpenedStore.open(try storeLocation, logger: logger)
        let logSigner = try logSigner()
        let clientCert = try file("client-cert", clientCert, pki: \.brokerClientCertificate)
        let clientKey = try file("client-key", clientKey, pki: \.brokerClientKey)
        try KeyFiles.requirePrivate(clientKey)
        let agency = CurlTaxAgency(
            baseURL: try Env.require("tax-agency", taxAgency),
            tls: CurlTLSConfiguration(caFile: try file("agency-ca", agencyCa, pki: \.caCertificate), clientCertificateFile: clientCert, clientKeyFile: clientKey)
        )
        let signer = try await bundleSigner()
        let retired = retiredBundleKeys.isEmpty
            ? (Env.value("retired-bundle-key", nil)?.split(separator: ",").map(String.init) ?? [])
            : retiredBundleKeys
        let retiredKeys = try retired.map { path in
            if let key = try? P256PublicKeyFile.read(path) { return PublicJWK(key) }
            return PublicJWK(try KeyFiles.p256(path).publicKey)
        }
        let broker = Broker(
            issuer: Env.value("issuer", issuer) ?? (Env.value("pki", pki) != nil ? PKIPaths.devBrokerIssuer : publicURL),
            store: opened.store,
            logSigner: logSigner,
            agency: agency,
            agencyAudience: Env.value("agency-audience", agencyAudience) ?? Self.defaultAgencyAudience,
            clientCertificateSHA256: try KeyFiles.certificateSHA256(clientCert),
            signer: signer,
            retiredKeys: retiredKeys,
            idTokens: try await idTokenVerifier()
        )
        return (broker, opened)
    }

    /// The key that signs bundles, which also seals webhook secrets (`Seal`).
    func bundleSigner() async throws -> ES256Signer {
        try await ES256Signer(privateKey: KeyFiles.p256(try file("bundle-key", bundleKey, pki: \.bundleSigningKey)))
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
