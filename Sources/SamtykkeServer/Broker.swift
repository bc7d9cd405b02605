import AgencyClient
import Foundation
import Logging
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// Everything the routes need, decided once at start-up by the composition root (`SamtykkeApp`'s
/// `buildBroker`), which `serve`, `demo` and the tests all go through. Nothing in it changes after:
/// `log` is built from `store` and `logSigner` here, so neither can be swapped under it.
public struct Broker: Sendable {
    /// `iss` of bundles and consent tokens.
    public let issuer: String
    /// Everything kept: read through it, change through `committer`.
    public let store: any Store
    /// Group commit onto the consent log: changes reach it through `committer`, the `jti`s of
    /// assertions and proofs directly.
    public let log: LogSequencer
    /// The one way a change is written: through `log`, announced.
    package let committer: ConsentCommitter
    /// Signs the log's checkpoints; only the sequencer and the empty-log checkpoint use it.
    public let logSigner: LogSigner
    public let agency: any TaxAgency
    /// `aud` of consent tokens: the agency's identifier.
    public let agencyAudience: String
    /// base64url SHA-256 of the broker's client certificate (DER), bound into consent tokens.
    public let clientCertificateSHA256: String
    public let signer: ES256Signer
    /// Public keys of bundle signers no longer in use, still published so old bundles verify.
    public let retiredKeys: [PublicJWK]
    public let idTokens: IDTokenVerifier
    /// How citizens log in: the provider, the CLI's client id, the pages' client (SPEC §2b).
    public let citizenLogin: CitizenLogin
    public let policy: ConsentPolicy
    public let limits: Limits
    /// Loopback, link-local and private webhook targets are refused unless this is set (dev, tests).
    public let webhookAllowPrivate: Bool
    /// How the sender reaches banks' endpoints.
    public let webhookDelivery: WebhookDelivery
    /// Rung by commits that wrote events, so the sender need not wait for its next poll.
    package let deliveryBell = DeliveryBell()
    package let traceOrigins = TraceOrigins()
    /// Proxies whose `X-Forwarded-For` names the client the per-address limit counts; none by default.
    public let trustedProxies: [IPNetwork]
    public let clock: @Sendable () -> Date
    /// The current time, at the millisecond precision the database and the log keep.
    package let now: @Sendable () -> Date
    /// `serve --public-url`: the URL every instance is reached at, the base of `/v1/token`'s
    /// audience and of DPoP's `htu`. When nil, `http://HOST:PORT` as the server bound it.
    public let publicURL: String?
    let boundURL = BoundURL()
    /// `serve --require-dpop`: access tokens only with a DPoP proof, never as Bearer.
    public let requireDPoP: Bool
    /// `serve --no-api-keys` sets this false: banks then authenticate only with access tokens.
    public let apiKeys: Bool
    /// Where each log entry is announced: the application's logger.
    public let logger: Logger
    let lastCommit = LastCommit()
    /// What `/metrics` reports from the database, refreshed in the background and by commits.
    let storeFigures = StoreFigures()
    /// Requests and deliveries in flight, for the shutdown log line.
    public let activity = Activity()
    /// The witnesses the submitter sends checkpoints to (`--witness`), by URL; none by default.
    public let witnessURLs: [String]
    /// What the witnesses cosigned, for the checkpoint routes to append; the submitter fills it.
    package let cosignatures: HeldCosignatures
    /// The upper levels of the log's tree, read once and kept for every proof this instance serves
    /// (shared with the quorum cosigner's).
    package let upperTreeLevels: UpperTreeLevels
    /// `serve --agency-log-policy`: release against the log (SPEC §5); nil keeps fetches as before.
    public let agencyLogPolicy: AgencyLogPolicy?
    /// With a policy: cosigned checkpoints that meet its quorum, for consent tokens' proofs.
    package let cosigner: (any CheckpointCosigner)?

    public struct Limits: Sendable {
        /// Largest accepted request body in bytes.
        public var maxBodyBytes: Int
        /// Most entries one `/v1/audit/entries` page returns.
        public var maxPageSize: Int
        /// The whole agency fetch of one bundle request, retries included, must fit in this.
        public var bundleDeadline: Duration
        /// How long `/readyz` waits for the agency's health check before reporting it unavailable.
        public var agencyProbeDeadline: Duration = .seconds(2)
        /// Requests each authenticated caller may make.
        public var rate: RateLimiter.Rule
        /// Requests each auditor may make. Auditors are few and read the whole log: at the banks'
        /// rate a million entries (3,907 entry bundles) would take over a minute.
        public var auditRate = RateLimiter.Rule(perSecond: 1000, burst: 2000)
        /// Requests each address may make that do not authenticate (anonymous, or with a refused
        /// credential); counted before the credential is checked.
        public var addressRate = RateLimiter.Rule(perSecond: 50, burst: 200)
        /// Bundle requests a bank may make for consents that are not usable: each refusal is a
        /// permanent log entry, so a bank hammering a revoked consent is slowed down (429, nothing
        /// logged) long before its general rate limit.
        public var refusalRate = RateLimiter.Rule(perSecond: 1, burst: 30)
        /// How long an `Idempotency-Key` (and a sealed bundle for its replay) is kept.
        public var idempotencyRetention: TimeInterval = IdempotencyKey.standardRetention
        /// How long after a consent became terminal its personal data stays in the live tables
        /// (`serve --retention`); then the background sweep forgets it. The log keeps its history.
        public var retention: TimeInterval = Self.defaultRetention
        /// 90 days: the README's operators section argues it.
        public static let defaultRetention: TimeInterval = 90 * 86_400

        public init(
            maxBodyBytes: Int = 64 * 1024,
            maxPageSize: Int = 1000,
            bundleDeadline: Duration = .seconds(10),
            rate: RateLimiter.Rule = RateLimiter.Rule(perSecond: 50, burst: 200)
        ) {
            self.maxBodyBytes = maxBodyBytes
            self.maxPageSize = maxPageSize
            self.bundleDeadline = bundleDeadline
            self.rate = rate
        }
    }

    public struct WebhookDelivery: Sendable {
        /// PEM roots trusted beside the system's for endpoints (`serve --webhook-ca`).
        public var trustPEM: [UInt8]?
        public var connectTimeout: Duration = .seconds(3)
        /// A whole attempt; an endpoint that has not answered by then has failed it.
        public var timeout: Duration = .seconds(10)
        /// Deliveries in flight at once, per instance.
        public var concurrency = 8
        /// Deliveries in flight to one endpoint at once: half the slots, so an endpoint that hangs
        /// leaves the other half to everyone else.
        public var perEndpoint = 4
        /// How often the sender looks for work that no commit of this instance announced.
        public var pollInterval: Duration = .seconds(1)
        /// Failed attempts in a row after which an endpoint shows as `failing`.
        public var failingAfter = 3
        package var schedule = DeliverySchedule()

        /// How long a claimed delivery stays leased: twice an attempt, so a live sender always
        /// settles it first, while a broker killed mid-delivery holds it no longer than this before
        /// another instance (or this one restarted) tries again.
        package var lease: Duration { timeout * 2 }

        public init() {}
    }

    package init(
        issuer: String,
        store: any Store,
        logSigner: LogSigner,
        agency: any TaxAgency,
        agencyAudience: String,
        clientCertificateSHA256: String,
        signer: ES256Signer,
        retiredKeys: [PublicJWK] = [],
        idTokens: IDTokenVerifier,
        citizenLogin: CitizenLogin = CitizenLogin(),
        policy: ConsentPolicy = ConsentPolicy(),
        limits: Limits = Limits(),
        webhookAllowPrivate: Bool = false,
        webhookDelivery: WebhookDelivery = WebhookDelivery(),
        trustedProxies: [IPNetwork] = [],
        publicURL: String? = nil,
        requireDPoP: Bool = false,
        apiKeys: Bool = true,
        witnessURLs: [String] = [],
        cosignatures: HeldCosignatures = HeldCosignatures(),
        upperTreeLevels: UpperTreeLevels = UpperTreeLevels(),
        agencyLogPolicy: AgencyLogPolicy? = nil,
        cosigner: (any CheckpointCosigner)? = nil,
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "samtykke.broker")
    ) {
        self.issuer = issuer
        self.store = store
        self.logSigner = logSigner
        self.log = LogSequencer(store: store, signer: logSigner)
        self.agency = agency
        self.agencyAudience = agencyAudience
        self.clientCertificateSHA256 = clientCertificateSHA256
        self.signer = signer
        self.retiredKeys = retiredKeys
        self.idTokens = idTokens
        self.citizenLogin = citizenLogin
        self.policy = policy
        self.limits = limits
        self.webhookAllowPrivate = webhookAllowPrivate
        self.webhookDelivery = webhookDelivery
        self.trustedProxies = trustedProxies
        self.publicURL = publicURL
        self.requireDPoP = requireDPoP
        self.apiKeys = apiKeys
        self.witnessURLs = witnessURLs
        self.cosignatures = cosignatures
        self.upperTreeLevels = upperTreeLevels
        self.agencyLogPolicy = agencyLogPolicy
        self.cosigner = cosigner
        self.clock = clock
        self.now = { clock().roundedToMilliseconds }
        self.logger = logger
        committer = ConsentCommitter(
            log: log, store: store, now: now, storeFigures: storeFigures, lastCommit: lastCommit, deliveryBell: deliveryBell,
            traceOrigins: traceOrigins, logger: logger
        )
    }

    /// Proofs and receipts from the store, its tree's upper levels kept in `upperTreeLevels`.
    package var receipts: LogReceipts { LogReceipts(store: store, upperLevels: upperTreeLevels) }

    /// The broker's public base URL, without a trailing slash.
    var publicBase: String {
        let base = publicURL ?? boundURL.value ?? "http://127.0.0.1"
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    var jwks: JWKSet { JWKSet(keys: [signer.publicJWK] + retiredKeys) }

    /// The log's note verifier key (C2SP signed-note format).
    public var logVerifierKey: String { logSigner.verifierKey }
}
