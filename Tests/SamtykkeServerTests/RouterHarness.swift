import AgencyClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SQLiteStore
import SamtykkeApp
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStore
import ServiceLifecycle
import TransparencyLog

/// An agency that answers from memory, for route tests: the slow tests with the real TLS agency and
/// libcurl live in IntegrationTests.
struct StubAgency: TaxAgency {
    var name: String { "stub-agency" }

    func taxData(for person: PersonID, consentToken: String, deadline: ContinuousClock.Instant) async throws(AgencyError) -> AgencyResponse {
        let data = TaxData(personId: person, years: ["2024": TaxYear(income: nil, debt: nil, wealth: nil)], notAssessed: [])
        return AgencyResponse(body: Array(#"{"stub":true}"#.utf8), data: data)
    }

    func checkHealth(deadline: ContinuousClock.Instant) async throws(AgencyError) {}
}

/// The broker's real router over an in-memory SQLite store, throwaway keys and the stub agency:
/// every route, authentication and problem document, in milliseconds. Built through the
/// composition root (`buildBroker`) like `serve`, from `settings`, which a test may change first.
struct RouterHarness: Sendable {
    var settings: BrokerSettings
    let provider: DevIDProvider
    /// The key `provider` signs with, for tokens made by hand.
    let idProviderKey: P256.Signing.PrivateKey
    /// The key the log's checkpoints are signed with, which no log line may show.
    let logKey: Curve25519.Signing.PrivateKey
    let bankKey: String
    let otherBankKey: String
    static let bank = try! OrgNumber("986352325")
    static let otherBank = try! OrgNumber("974760673")
    /// A synthetic number (month + 80) with valid check digits.
    static let person = try! PersonID("24859045681")

    var store: any Store { settings.given.store! }
    var keys: BrokerKeys { settings.given.keys! }
    var logVerifierKey: String { keys.logSigner.verifierKey }

    static func make() async throws -> RouterHarness {
        let store = try SQLiteStore()
        let idKey = ES256Signer(privateKey: P256.Signing.PrivateKey())
        let logKey = Curve25519.Signing.PrivateKey()
        let jwks = String(decoding: try JSONEncoder().encode(JWKSet(keys: [idKey.publicJWK])), as: UTF8.self)
        var settings = BrokerSettings(issuer: "urn:samtykke:router-tests")
        settings.given = BrokerSettings.Given(
            store: store,
            keys: BrokerKeys(
                bundleSigner: ES256Signer(privateKey: P256.Signing.PrivateKey()),
                logSigner: LogSigner(origin: "test.local/log", signer: try NoteSigner(name: "test.local/log", privateKey: logKey)),
                idTokens: IDTokenVerifier(
                    configuration: .init(issuer: DevIDProvider.issuer, audience: DevIDProvider.audience, maximumLifetime: DevIDProvider.defaultLifetime),
                    loadJWKS: { jwks }
                ),
                clientCertificateSHA256: "AAAA"
            ),
            agency: StubAgency()
        )
        return RouterHarness(
            settings: settings,
            provider: DevIDProvider(signer: idKey),
            idProviderKey: idKey.privateKey,
            logKey: logKey,
            bankKey: try await store.addBank(org: bank, name: "Test Sparebank", now: Date()).text,
            otherBankKey: try await store.addBank(org: otherBank, name: "Other Bank", now: Date()).text
        )
    }

    /// The application `serve` would build from `settings`, listening as `options` say.
    func build(
        options: ServerOptions = ServerOptions(port: 0), logger: Logger = Logger(label: "router-tests"), eventLoopGroup: EventLoopGroupProvider = .singleton,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> BuiltBroker {
        var settings = settings
        settings.server = options
        return try await buildBroker(settings, logger: logger, eventLoopGroup: eventLoopGroup, onServerRunning: onServerRunning)
    }

    /// Through the router alone by default; `.live` puts the broker on a real socket on 127.0.0.1.
    func test<T: Sendable>(
        _ setup: TestingSetup = .router, options: ServerOptions = ServerOptions(port: 0), eventLoopGroup: EventLoopGroupProvider = .singleton,
        logger: Logger = Logger(label: "router-tests"), _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await build(options: options, logger: logger, eventLoopGroup: eventLoopGroup).application.test(setup, body)
    }

    /// The broker as `serve` runs it, on a free port of 127.0.0.1, until `body` returns: `.live`
    /// rebuilds the server's configuration and drops the connection cap on the way.
    func serve<T: Sendable>(
        options: ServerOptions, eventLoopGroup: EventLoopGroupProvider = .singleton, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: "router-tests")
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let app = try await build(options: options, logger: logger, eventLoopGroup: eventLoopGroup, onServerRunning: { port.yield($0) }).application
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { port.finish() }
                try await services.run()
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let number = await iterator.next() else {
                try await group.waitForAll()
                throw CancellationError()
            }
            let result = try await body(number)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }

    /// Issued at the broker's own time: a suite that holds the broker's clock still while the real
    /// one runs on would otherwise, on a slow machine, get a token "issued in the future".
    func citizenToken(_ person: PersonID = RouterHarness.person) async throws -> String {
        try provider.mint(pid: person.digits, now: settings.clock())
    }

    static func request(maxUses: Int = 2, validFor: TimeInterval = 86_400) -> [UInt8] {
        let validUntil = RFC3339.string(from: Date().addingTimeInterval(validFor))
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) - 1
        return Array("""
            {"personId":"\(person.digits)","scopes":["income"],"years":[\(year)],"purpose":{"code":"loan-application","text":"Mortgage"},"validUntil":"\(validUntil)","maxUses":\(maxUses)}
            """.utf8)
    }
}

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, bearer: String? = nil, body: [UInt8]? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }
}

extension TestResponse {
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:] }
}
