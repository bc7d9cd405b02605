import AgencyClient
import DevPKI
import Hummingbird
import Logging
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStore
import ServiceLifecycle
import Sweepers
import TransparencyLog
import WebhookEngine
import WitnessSubmitter

/// The keys a broker signs and checks with, read from files by `buildBroker` unless given.
public struct BrokerKeys: Sendable {
    /// Signs bundles and consent tokens, and seals webhook secrets and idempotent bundles (`Seal`).
    public var bundleSigner: ES256Signer
    /// Public keys of bundle signers no longer in use, still published so old bundles verify.
    public var retiredKeys: [PublicJWK]
    public var logSigner: LogSigner
    public var idTokens: IDTokenVerifier
    /// base64url SHA-256 of the broker's client certificate (DER), bound into consent tokens.
    public var clientCertificateSHA256: String

    public init(
        bundleSigner: ES256Signer, retiredKeys: [PublicJWK] = [], logSigner: LogSigner, idTokens: IDTokenVerifier, clientCertificateSHA256: String
    ) {
        self.bundleSigner = bundleSigner
        self.retiredKeys = retiredKeys
        self.logSigner = logSigner
        self.idTokens = idTokens
        self.clientCertificateSHA256 = clientCertificateSHA256
    }
}

/// A broker built and ready to run: the application (server and background services) and what
/// the commands and tests that drive it need to know of it.
public struct BuiltBroker: Sendable {
    public let application: any ApplicationProtocol
    public let broker: Broker
    /// The settings it was built from, with what was opened given: building from them again makes a
    /// second application over the same store and keys.
    public let settings: BrokerSettings

    public var store: any Store { broker.store }
    public var logVerifierKey: String { broker.logVerifierKey }

    /// Until SIGTERM or SIGINT, then one line saying what was drained (`runBroker`); `beside` (the
    /// trace exporter) starts before the broker and stops after it.
    public func run(logger: Logger, beside: [any Service] = []) async throws {
        try await runBroker(application, activity: broker.activity, logger: logger, beside: beside)
    }
}

/// The composition root: the one function that makes a broker from its settings (the store, the
/// agency client, the signers, the background services and the application). `serve` fills the
/// settings from its flags, `demo` and the tests from code; all of them come through here.
/// `onServerRunning` is called with the bound port once the store is prepared.
public func buildBroker(
    _ settings: BrokerSettings,
    logger: Logger,
    eventLoopGroup: EventLoopGroupProvider = .singleton,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> BuiltBroker {
    var resolved = settings
    let opened: OpenedStore
    if let store = settings.given.store {
        opened = OpenedStore(store: store, services: [])
    } else {
        guard let location = settings.store else { throw StoreLocationError.missing }
        // Settings that cannot work stop it before it makes or opens a store.
        if settings.given.agency == nil { _ = try settings.checkedTaxAgency() }
        if settings.given.keys == nil { _ = try settings.idTokenAudience() }
        opened = try await OpenedStore.open(location, logger: logger)
        resolved.given.store = opened.store
    }
    let keys: BrokerKeys
    let agency: any TaxAgency
    if let givenKeys = settings.given.keys, let givenAgency = settings.given.agency {
        (keys, agency) = (givenKeys, givenAgency)
    } else {
        let read = try await settings.keysAndAgency()
        (keys, agency) = (settings.given.keys ?? read.keys, read.agency)
    }
    resolved.given.keys = keys
    resolved.given.agency = agency
    var server = settings.server
    server.backend = opened.backend
    let cosignatures = HeldCosignatures()
    let upperTreeLevels = UpperTreeLevels()
    let agencyLogPolicy = try settings.checkedAgencyLogPolicy(logVerifierKey: keys.logSigner.verifierKey)
    let witnesses = settings.witnesses
    let broker = Broker(
        issuer: settings.issuer ?? (settings.pki != nil ? PKIPaths.devBrokerIssuer : "http://\(server.host):\(server.port)"),
        store: opened.store,
        logSigner: keys.logSigner,
        agency: agency,
        agencyAudience: settings.agencyAudience ?? BrokerSettings.defaultAgencyAudience,
        clientCertificateSHA256: keys.clientCertificateSHA256,
        signer: keys.bundleSigner,
        retiredKeys: keys.retiredKeys,
        idTokens: keys.idTokens,
        citizenLogin: try settings.citizenLogin(),
        limits: settings.limits,
        webhookAllowPrivate: settings.webhookAllowPrivate,
        webhookDelivery: settings.webhookDelivery,
        trustedProxies: settings.trustedProxies,
        publicURL: settings.publicURL,
        requireDPoP: settings.requireDPoP,
        apiKeys: settings.apiKeys,
        witnessURLs: witnesses.map(\.url),
        cosignatures: cosignatures,
        upperTreeLevels: upperTreeLevels,
        agencyLogPolicy: agencyLogPolicy,
        cosigner: agencyLogPolicy.map { QuorumCosigner(store: opened.store, upperLevels: upperTreeLevels, witnesses: witnesses, held: cosignatures, policy: $0) },
        clock: settings.clock,
        logger: logger
    )
    let sweepInterval = server.expirySweepInterval
    var background: [BackgroundService] = [
        {
            ExpiryService(
                $0, committer: broker.committer, store: broker.store, now: broker.now,
                idempotencyRetention: broker.limits.idempotencyRetention, retention: broker.limits.retention, interval: sweepInterval
            )
        },
        {
            WebhookSender(
                $0, store: broker.store, now: broker.now, settings: broker.webhookDelivery, bell: broker.deliveryBell, activity: broker.activity,
                traceOrigins: broker.traceOrigins, signer: broker.signer, allowPrivate: broker.webhookAllowPrivate
            )
        },
    ]
    if !witnesses.isEmpty {
        background.append {
            WitnessService(
                $0, witnesses: witnesses, store: broker.store, receipts: broker.receipts, cosigner: broker.cosigner,
                cosignatures: broker.cosignatures, traceOrigins: broker.traceOrigins
            )
        }
    }
    let application = buildApplication(
        broker: broker, options: server, logger: logger, storeServices: opened.services, background: background, prepare: opened.prepare,
        eventLoopGroup: eventLoopGroup, onServerRunning: onServerRunning
    )
    return BuiltBroker(application: application, broker: broker, settings: resolved)
}
