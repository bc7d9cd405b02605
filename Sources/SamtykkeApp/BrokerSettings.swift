import AgencyClient
import CurlAgencyClient
import CurlHTTP
import DevPKI
import Foundation
import Logging
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStore
import TransparencyLog

/// What the broker is built from, however it was given: flags and environment (`serve`), or code
/// (demo, tests). Each file is the one named, else the dev PKI's (`--pki DIR` alone is a working
/// dev setup, SPEC §7).
public struct BrokerSettings: Sendable {
    public var store: StoreLocation?
    public var pki: String?
    public var taxAgency: String?
    /// The proxy the agency calls go through (`http://host:port`); none by default, and the
    /// process's proxy variables are never used.
    public var agencyProxy: String?
    public var agencyCa: String?
    public var clientCert: String?
    public var clientKey: String?
    public var bundleKey: String?
    /// Bundle-signing keys no longer in use (PEM, public or private), still published.
    public var retiredBundleKeys: [String]
    public var logSigningKey: String?
    public var logOrigin: String?
    public var idIssuer: String?
    public var idJwks: JWKSSource?
    public var idAudience: String?
    /// The longest `exp - iat` of a citizen ID token accepted, in seconds.
    public var idTokenMaxLifetime: TimeInterval
    public var issuer: String?
    public var agencyAudience: String?

    public static let defaultLogOrigin = "samtykke.local/consent-log"
    public static let defaultAgencyAudience = "urn:samtykke:tax-agency"

    public init(
        store: StoreLocation? = nil, pki: String? = nil, taxAgency: String? = nil, agencyCa: String? = nil, clientCert: String? = nil,
        clientKey: String? = nil, bundleKey: String? = nil, retiredBundleKeys: [String] = [], logSigningKey: String? = nil,
        logOrigin: String? = nil, idIssuer: String? = nil, idJwks: JWKSSource? = nil, idAudience: String? = nil,
        idTokenMaxLifetime: TimeInterval = IDTokenVerifier.Configuration.defaultMaximumLifetime, issuer: String? = nil,
        agencyAudience: String? = nil, agencyProxy: String? = nil
    ) {
        self.store = store
        self.pki = pki
        self.taxAgency = taxAgency
        self.agencyCa = agencyCa
        self.clientCert = clientCert
        self.clientKey = clientKey
        self.bundleKey = bundleKey
        self.retiredBundleKeys = retiredBundleKeys
        self.logSigningKey = logSigningKey
        self.logOrigin = logOrigin
        self.idIssuer = idIssuer
        self.idJwks = idJwks
        self.idAudience = idAudience
        self.idTokenMaxLifetime = idTokenMaxLifetime
        self.issuer = issuer
        self.agencyAudience = agencyAudience
        self.agencyProxy = agencyProxy
    }

    private func file(_ setting: String, _ given: String?, pki keyPath: KeyPath<PKIPaths, URL>) throws(BrokerSettingsError) -> String {
        if let given { return given }
        guard let pki else { throw .missingFile(setting: setting) }
        return PKIPaths(directory: URL(fileURLWithPath: pki))[keyPath: keyPath].path
    }

    public func logSigner() throws -> LogSigner {
        let origin = logOrigin ?? Self.defaultLogOrigin
        return LogSigner(origin: origin, signer: try NoteSigner(name: origin, privateKey: KeyFiles.ed25519(try file("log-signing-key", logSigningKey, pki: \.logKey))))
    }

    /// Opens everything and assembles the broker; `publicURL` is where it will listen. The store's
    /// services must run while the broker does.
    public func makeBroker(publicURL: String, logger: Logger) async throws -> (broker: Broker, store: OpenedStore) {
        guard let store else { throw StoreLocationError.missing }
        guard let taxAgency else { throw BrokerSettingsError.missingTaxAgency }
        // The agency is reached only over mutual TLS: plain http would send consent tokens and
        // person data in the clear, and libcurl would leave the client certificate unused.
        guard taxAgency.lowercased().hasPrefix("https://") else { throw BrokerSettingsError.taxAgencyNotHTTPS(taxAgency) }
        let opened = try await OpenedStore.open(store, logger: logger)
        let logSigner = try logSigner()
        let clientCert = try file("client-cert", clientCert, pki: \.brokerClientCertificate)
        let clientKey = try file("client-key", clientKey, pki: \.brokerClientKey)
        try KeyFiles.requirePrivate(clientKey)
        let agency = CurlTaxAgency(
            baseURL: taxAgency,
            tls: CurlTLSConfiguration(caFile: try file("agency-ca", agencyCa, pki: \.caCertificate), clientCertificateFile: clientCert, clientKeyFile: clientKey),
            proxy: agencyProxy
        )
        let signer = try bundleSigner()
        let retiredKeys = try retiredBundleKeys.map { path in
            if let key = try? KeyFiles.p256PublicKey(path) { return PublicJWK(key) }
            return PublicJWK(try KeyFiles.p256(path).publicKey)
        }
        let broker = Broker(
            issuer: issuer ?? (pki != nil ? PKIPaths.devBrokerIssuer : publicURL),
            store: opened.store,
            logSigner: logSigner,
            agency: agency,
            agencyAudience: agencyAudience ?? Self.defaultAgencyAudience,
            clientCertificateSHA256: try KeyFiles.certificateSHA256(clientCert),
            signer: signer,
            retiredKeys: retiredKeys,
            idTokens: try await idTokenVerifier()
        )
        return (broker, opened)
    }

    /// The key that signs bundles, which also seals webhook secrets (`Seal`).
    public func bundleSigner() throws -> ES256Signer {
        try ES256Signer(privateKey: KeyFiles.p256(try file("bundle-key", bundleKey, pki: \.bundleSigningKey)))
    }

    private func idTokenVerifier() async throws -> IDTokenVerifier {
        let configuration = IDTokenVerifier.Configuration(
            issuer: idIssuer ?? DevIDProvider.issuer,
            audience: idAudience ?? DevIDProvider.audience,
            maximumLifetime: idTokenMaxLifetime
        )
        if let idJwks {
            return IDTokenVerifier(configuration: configuration, loadJWKS: idJwks.loader())
        }
        guard idIssuer == nil else { throw BrokerSettingsError.idIssuerWithoutJWKS }
        // Without the provider's JWKS only the dev PKI's provider key can check tokens.
        let devKey = try file("id-jwks", nil, pki: \.idProviderKey)
        let jwks = JWKSet(keys: [PublicJWK(try KeyFiles.p256(devKey).publicKey)])
        let json = String(decoding: try JSONEncoder().encode(jwks), as: UTF8.self)
        return IDTokenVerifier(configuration: configuration, loadJWKS: { json })
    }
}

public enum BrokerSettingsError: Error, Hashable, CustomStringConvertible {
    /// A file named neither by its own setting nor found in a dev PKI, because there is none.
    case missingFile(setting: String)
    case missingTaxAgency
    case taxAgencyNotHTTPS(String)
    /// Another ID provider's tokens cannot be checked with the dev provider's key.
    case idIssuerWithoutJWKS

    public var description: String {
        switch self {
        case .missingFile(let setting): "missing --\(setting) (or --pki DIR)"
        case .missingTaxAgency: "missing --tax-agency"
        case .taxAgencyNotHTTPS(let url): "--tax-agency must be an https URL (the agency is reached only over mutual TLS), not \(url)"
        case .idIssuerWithoutJWKS: "--id-issuer needs --id-jwks"
        }
    }
}
