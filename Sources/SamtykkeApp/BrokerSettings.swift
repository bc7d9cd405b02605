import AgencyClient
import CurlAgencyClient
import CurlHTTP
import CurlOpenID
import DevPKI
import Foundation
import LogRelease
import Logging
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStore
import TransparencyLog
import Witness

/// What the broker is built from, however it was given: flags and environment (`serve`), or code
/// (demo, tests); `buildBroker` makes everything from it. Each file is the one named, else the dev
/// PKI's (`--pki DIR` alone is a working dev setup, SPEC §7).
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
    /// `--id-cli-client-id`: the CLI's client id at the provider (`samtykke-cli` at a dev provider;
    /// at any other, none: `samtykke login` is offered there only when it is named).
    public var idCLIClientID: String?
    /// `--id-client-id` and `--id-client-secret`: the broker's own client for the consent pages' login.
    public var idClientID: String?
    public var idClientSecret: String?
    /// `--id-ca`: a PEM file of roots trusted beside the system's for the provider (development).
    public var idCA: String?
    /// The longest `exp - iat` of a citizen ID token accepted, in seconds.
    public var idTokenMaxLifetime: TimeInterval
    public var issuer: String?
    public var agencyAudience: String?

    /// Where and how the broker listens (`--host`, `--port` and the connection flags).
    public var server = ServerOptions()
    public var limits = Broker.Limits()
    /// `--webhook-allow-private`: loopback, link-local and private webhook targets (dev, tests).
    public var webhookAllowPrivate = false
    public var webhookDelivery = Broker.WebhookDelivery()
    /// `--trusted-proxy`.
    public var trustedProxies: [IPNetwork] = []
    /// `--witness`, each with the client that submits to it.
    public var witnesses: [WitnessClient] = []
    /// `--agency-log-policy`: the C2SP tlog-policy file the agency releases against (SPEC §5).
    public var agencyLogPolicy: String?
    /// `--public-url`.
    public var publicURL: String?
    /// `--require-dpop`.
    public var requireDPoP = false
    /// False with `--no-api-keys`.
    public var apiKeys = true
    /// The broker's clock; tests move it.
    public var clock: @Sendable () -> Date = { Date() }
    /// What the tests make in code rather than have opened from the settings above.
    public var given = Given()

    public struct Given: Sendable {
        /// Used instead of opening `store` (an in-memory store, or the store of a broker already built).
        public var store: (any Store)?
        /// Used instead of reading the key files.
        public var keys: BrokerKeys?
        /// Used instead of `taxAgency` (a stub, a slow agency, one on a closed port).
        public var agency: (any TaxAgency)?
        /// Used instead of the libcurl client for `idIssuer` (a stub provider).
        public var openID: (any OpenIDProvider)?

        public init(store: (any Store)? = nil, keys: BrokerKeys? = nil, agency: (any TaxAgency)? = nil) {
            self.store = store
            self.keys = keys
            self.agency = agency
        }
    }

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

    /// The keys and the agency from the files and URL named (or the dev PKI's), checked in the order
    /// `serve` reports a missing one; an agency given in code is used instead of `taxAgency`'s.
    func keysAndAgency() async throws -> (keys: BrokerKeys, agency: any TaxAgency) {
        let agencyURL = try given.agency == nil ? checkedTaxAgency() : nil
        let logSigner = try logSigner()
        let clientCert = try file("client-cert", clientCert, pki: \.brokerClientCertificate)
        let clientKey = try file("client-key", clientKey, pki: \.brokerClientKey)
        try KeyFiles.requirePrivate(clientKey)
        let agency = try given.agency ?? CurlTaxAgency(
            baseURL: agencyURL ?? "",
            tls: CurlTLSConfiguration(caFile: try file("agency-ca", agencyCa, pki: \.caCertificate), clientCertificateFile: clientCert, clientKeyFile: clientKey),
            proxy: agencyProxy,
            singleUseTokens: agencyLogPolicy != nil
        )
        let signer = try bundleSigner()
        let retiredKeys = try retiredBundleKeys.map { path in
            if let key = try? KeyFiles.p256PublicKey(path) { return PublicJWK(key) }
            return PublicJWK(try KeyFiles.p256(path).publicKey)
        }
        let keys = BrokerKeys(
            bundleSigner: signer, retiredKeys: retiredKeys, logSigner: logSigner, idTokens: try await idTokenVerifier(),
            clientCertificateSHA256: try KeyFiles.certificateSHA256(clientCert)
        )
        return (keys, agency)
    }

    /// The agency's URL, which must be https.
    func checkedTaxAgency() throws(BrokerSettingsError) -> String {
        guard let taxAgency else { throw .missingTaxAgency }
        // The agency is reached only over mutual TLS: plain http would send consent tokens and
        // person data in the clear, and libcurl would leave the client certificate unused.
        guard taxAgency.lowercased().hasPrefix("https://") else { throw .taxAgencyNotHTTPS(taxAgency) }
        return taxAgency
    }

    /// The citizens' OpenID provider at `idIssuer`, over libcurl unless one was given; nil without an issuer.
    func openIDProvider() throws -> (any OpenIDProvider)? {
        if let given = given.openID { return given }
        guard let idIssuer else { return nil }
        let roots: [UInt8]?
        do {
            roots = try idCA.map { try TrustRoots.pem(from: $0) }
        } catch {
            throw BrokerSettingsError.idCA("\(error)")
        }
        return CurlOpenIDProvider(issuer: idIssuer, extraTrustPEM: roots)
    }

    /// Whether `issuer` is a development provider: none (the dev PKI's tokens) or one on this
    /// machine (`samtykke dev id-provider`, SPEC §2b), where the CLI's client is `samtykke-cli`
    /// unless named. At any other provider a default name would let whatever client is registered
    /// under it mint tokens the session exchange takes: see `CitizenLogin.cliClientID`.
    static func isDevProvider(_ issuer: String?) -> Bool {
        guard let issuer else { return true }
        guard let host = URLComponents(string: issuer)?.host?.lowercased() else { return false }
        return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
    }

    /// How citizens log in: the pages' client only with an issuer, a client id and its secret.
    func citizenLogin() throws -> CitizenLogin {
        var login = CitizenLogin(issuer: idIssuer, cliClientID: idCLIClientID ?? (Self.isDevProvider(idIssuer) ? CitizenLogin.defaultCLIClientID : nil))
        if let idClientID, let idClientSecret, let provider = try openIDProvider() {
            login.web = CitizenLogin.WebClient(clientID: idClientID, clientSecret: idClientSecret, provider: provider)
        }
        return login
    }

    /// The key that signs bundles, which also seals webhook secrets (`Seal`).
    public func bundleSigner() throws -> ES256Signer {
        try ES256Signer(privateKey: KeyFiles.p256(try file("bundle-key", bundleKey, pki: \.bundleSigningKey)))
    }

    /// The `aud` that names this broker in citizens' ID tokens: `--id-audience`; else, at a provider
    /// of its own (`--id-issuer`), the client id it has there, as OpenID Connect's ID tokens name
    /// their client; else the dev provider's. Never the dev default at a real provider, where any
    /// client registered under that name could mint tokens the broker would take.
    public func idTokenAudience() throws -> String {
        if let idAudience { return idAudience }
        guard idIssuer != nil else { return DevIDProvider.audience }
        guard let idClientID else { throw BrokerSettingsError.missingIDAudience }
        return idClientID
    }

    func idTokenVerifier() async throws -> IDTokenVerifier {
        let configuration = IDTokenVerifier.Configuration(
            issuer: idIssuer ?? DevIDProvider.issuer,
            audience: try idTokenAudience(),
            maximumLifetime: idTokenMaxLifetime
        )
        if let idJwks {
            return IDTokenVerifier(configuration: configuration, loadJWKS: idJwks.loader())
        }
        // Without --id-jwks, the provider's own keys, from its discovery document (SPEC §2b).
        if let provider = try openIDProvider() {
            return IDTokenVerifier(configuration: configuration, loadJWKS: { try await provider.jwks() })
        }
        // Without the provider's JWKS only the dev PKI's provider key can check tokens.
        let devKey = try file("id-jwks", nil, pki: \.idProviderKey)
        let jwks = JWKSet(keys: [PublicJWK(try KeyFiles.p256(devKey).publicKey)])
        let json = String(decoding: try JSONEncoder().encode(jwks), as: UTF8.self)
        return IDTokenVerifier(configuration: configuration, loadJWKS: { json })
    }
}

extension BrokerSettings {
    /// The agency's log policy, read and checked against this broker's log key and witnesses.
    func checkedAgencyLogPolicy(logVerifierKey: String) throws -> AgencyLogPolicy? {
        guard let path = agencyLogPolicy else { return nil }
        guard let bytes = FileManager.default.contents(atPath: path) else { throw BrokerSettingsError.agencyLogPolicy("\(path) cannot be read") }
        do {
            return try AgencyLogPolicy(policy: LogPolicy(parsing: Array(bytes)), logVerifierKey: logVerifierKey, witnesses: witnesses.map(\.verifier))
        } catch let error as LogPolicyError {
            throw BrokerSettingsError.agencyLogPolicy("\(path): \(error)")
        }
    }
}

public enum BrokerSettingsError: Error, Hashable, CustomStringConvertible {
    /// `--agency-log-policy` could not be read or parsed.
    case agencyLogPolicy(String)
    /// A file named neither by its own setting nor found in a dev PKI, because there is none.
    case missingFile(setting: String)
    case missingTaxAgency
    case taxAgencyNotHTTPS(String)
    /// `--id-ca` cannot be read as PEM certificates.
    case idCA(String)
    /// `--id-issuer` without anything naming the audience its ID tokens carry for this broker.
    case missingIDAudience

    public var description: String {
        switch self {
        case .missingFile(let setting): "missing --\(setting) (or --pki DIR)"
        case .missingTaxAgency: "missing --tax-agency"
        case .taxAgencyNotHTTPS(let url): "--tax-agency must be an https URL (the agency is reached only over mutual TLS), not \(url)"
        case .agencyLogPolicy(let why): "--agency-log-policy \(why)"
        case .idCA(let why): "--id-ca \(why)"
        case .missingIDAudience: "--id-issuer needs --id-audience or --id-client-id: the audience (aud) that names this broker in the provider's ID tokens"
        }
    }
}
