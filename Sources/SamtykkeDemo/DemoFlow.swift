import BrokerClient
import ChildProcess
import DevOpenIDProvider
import DevPKI
import Foundation
import Logging
import MockTaxAgency
import SamtykkeAPI
import SamtykkeCore
import SamtykkeApp
import SamtykkeJOSE
import SamtykkeServer
import SamtykkeStore

/// `samtykke demo`: the whole flow on this machine, each step reported as it happens. A dev PKI, the
/// mock agency and the broker on free loopback ports, a bank with only its private key (SPEC §2c), a
/// consent granted and revoked through the citizen CLI (`executable`, run as a child as a citizen
/// would run it), and a bundle checked the way a bank checks one (`BundleCheck`), against the
/// published keys and the log. Then the citizen's way in (SPEC §2b): the dev ID provider, a consent
/// with a `redirectUrl` and its `viewUri`, opened in `browser` when there is one, else walked over
/// HTTP as a browser would (`DemoBrowser`).
public struct DemoFlow: Sendable {
    public enum Line: Sendable, Hashable {
        case step(String)
        case detail(String)
    }

    let work: URL
    let fixtures: String
    let executable: String
    /// Opens a URL in the citizen's browser (false when none started); nil when there is none.
    let browser: (@Sendable (String) -> Bool)?
    let show: @Sendable (Line) -> Void

    public init(work: URL, fixtures: String, executable: String, browser: (@Sendable (String) -> Bool)? = nil, show: @escaping @Sendable (Line) -> Void) {
        self.work = work
        self.fixtures = fixtures
        self.executable = executable
        self.browser = browser
        self.show = show
    }

    public func run() async throws {
        guard FileManager.default.fileExists(atPath: fixtures) else {
            throw DemoError("no fixtures at \(fixtures): run the demo from the repository root or pass --fixtures")
        }
        show(.step("Making a dev PKI (openssl) in \(work.appendingPathComponent("pki").path)"))
        let paths = try await DevPKI.make(in: work.appendingPathComponent("pki"))
        show(.detail("CA, agency server certificate, broker client certificate, bundle/log/ID-provider keys"))
        let logger = {
            var logger = Logger(label: "samtykke.demo")
            logger.logLevel = .critical
            return logger
        }()
        let provider = try DevOpenIDProviderConfiguration(port: 0, pki: paths)
        try await whileRunning(logger: logger, { ready in try await buildDevOpenIDProvider(provider, logger: logger, onServerRunning: ready) }) { issuer in
            show(.step("Dev ID provider listening on \(issuer) (samtykke dev id-provider): the broker logs citizens in with it"))
            try await LocalStack.run(work: work, fixtures: fixtures, releaseAgainstLog: true, customize: { settings in
                settings.idIssuer = issuer
                settings.idClientID = DevOpenIDProviderConfiguration.brokerClientID
                settings.idClientSecret = provider.brokerSecret
                settings.idCA = paths.caCertificate.path
            }) { stack in
                show(.step("Witness \(LocalRelease.witnessName) cosigning the broker's checkpoints on loopback"))
                show(.step("Mock tax agency listening on \(stack.agencyURL) (mutual TLS, dev CA only), releasing only against the log: --log-policy \(stack.logPolicy ?? "")"))
                show(.detail("policy: the broker's log key, the witness, quorum of it; the agency follows the broker's public tiles"))
                show(.step("Broker listening on \(stack.brokerURL) (SQLite in \(work.appendingPathComponent("data").path)), --witness and --agency-log-policy on"))
                try await walk(server: stack.brokerURL, broker: stack.broker, paths: paths, issuer: issuer, logger: logger)
            }
        }
    }

    private func walk(server: String, broker: BuiltBroker, paths: PKIPaths, issuer: String, logger: Logger) async throws {
        let org = try OrgNumber("986352325")
        // The bank's whole credential is a private key it made itself; the broker only ever holds the
        // public half. No API key exists for it.
        let signer = BankKeySigner(org: org)
        let jwksFile = work.appendingPathComponent("bank.jwks")
        try Data(signer.publicJWKS.utf8).write(to: jwksFile)
        let registered = try BankJWK.set(from: Data(signer.publicJWKS.utf8)).map { RegisteredKey(kid: $0.kid!, jwk: $0.json, createdAt: Date()) }
        try await broker.store.addBank(org: org, name: "Demo Sparebank", publicKeys: registered, now: Date())
        show(.step("Registered bank Demo Sparebank (\(org)) with only its public key, as samtykke bank add --jwks \(jwksFile.path) does"))
        show(.detail("ES256 key \(signer.key.kid); the private key never leaves the bank, and no API key exists for it"))

        let session = BankKeySession(server: server, signer: signer)
        show(.step("Bank gets an access token: POST /v1/token with a grant assertion signed by its key (RFC 7523) and a DPoP proof (RFC 9449)"))
        let grant = try await session.grant()
        show(.detail("\(grant.token_type) token, \(grant.expires_in) s, scope \(grant.scope), bound to the bank's DPoP key \(signer.dpopKey.kid)"))
        show(.detail("every call below sends Authorization: DPoP <token> and a new DPoP proof for its method and URL"))
        guard let person = try PeopleFixtures(contentsOf: fixtures).people.first else { throw DemoError("\(fixtures) holds no people") }
        let bank = BrokerClient(server: server, session: session)
        let year = Calendar.utc.component(.year, from: Date())
        let request = ConsentRequest(
            personId: person.personId.digits, scopes: [.income, .debt, .wealth], years: [year - 3, year - 2],
            purpose: ConsentView.Purpose(code: "loan-application", text: "Mortgage application for a flat in Bergen"),
            validUntil: RFC3339.string(from: Date().addingTimeInterval(7 * 86_400)), maxUses: 3
        )
        let created = try await bank.post("/v1/consents", body: Array(try JSONEncoder().encode(request)), as: ConsentView.self)
        show(.step("Bank asked \(person.name) (\(person.personId)) for consent \(created.id)"))

        // As the provider issues them to the broker's client, so its `aud` is the broker's client id.
        let idToken = try DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(paths.idProviderKey.path)))
            .mint(pid: person.personId.digits, audience: DevOpenIDProviderConfiguration.brokerClientID, issuer: issuer)
        show(.step("Citizen lists the requests that name them: samtykke consent list --server \(server)"))
        try await citizen(["consent", "list", "--server", server], idToken: idToken)
        show(.step("Citizen grants it: samtykke consent grant \(created.id) --server \(server) (on a terminal it asks first)"))
        try await citizen(["consent", "grant", created.id, "--server", server], idToken: idToken)

        show(.step("Bank fetches a signed bundle (the broker calls the agency over mTLS with libcurl)"))
        let issued = try await bank.post("/v1/consents/\(created.id)/bundles", as: BundleAnswer.self)
        show(.detail("first the broker logged data.requested, waited for the witness to cosign a checkpoint covering it, and put the proof in the consent token"))
        show(.detail("the agency checked the proof, the opened entry and its own view of the log before it released the data"))
        show(.detail("bundle: \(issued.bundle.prefix(60))… (\(issued.bundle.utf8.count) bytes, ES256)"))
        show(.detail("log entry #\(issued.auditReceipt.index) in a tree of \(issued.auditReceipt.treeSize)"))

        let jwks = "\(server)/.well-known/jwks.json"
        show(.step("Bank verifies the bundle against \(jwks) and the log, as samtykke bundle verify does"))
        let keys = try await JWSVerifier(jwksJSON: try await JWKSSource.url(jwks, plainHTTPAllowed: true).loader()(), allowedAlgorithms: ["ES256"])
        let logKey = try await AuditLogSource(client: BrokerClient(server: server, credential: nil)).publishedLogKey()
        let verified = try await BundleCheck.verify(issued, keys: keys, keySource: jwks, logKey: logKey, bank: org.digits)
        show(.detail("signature verifies with kid \(verified.kid); issued to \(verified.claims.aud) for consent \(verified.claims.consent.id)"))
        for (year, figures) in verified.claims.data.sorted(by: { $0.key < $1.key }) {
            show(.detail("\(year): income \(figures.income?.total ?? 0) NOK, debt \(figures.debt?.total ?? 0) NOK, net wealth \(figures.wealth?.net ?? 0) NOK"))
        }
        if !verified.claims.notAssessed.isEmpty { show(.detail("not assessed: \(verified.claims.notAssessed.map(String.init).joined(separator: ", "))")) }
        show(.detail("the inclusion proof places entry #\(verified.receipt.entry.index), which carries the bundle's SHA-256, in the tree of \(verified.receipt.checkpoint.size) signed by the log key"))

        show(.step("Citizen revokes: samtykke consent revoke \(created.id)"))
        try await citizen(["consent", "revoke", created.id, "--server", server], idToken: idToken)

        show(.step("Bank asks again and is refused"))
        do {
            _ = try await bank.post("/v1/consents/\(created.id)/bundles", as: BundleAnswer.self)
            throw DemoError("the broker issued a bundle for a revoked consent")
        } catch let problem as BrokerClient.Problem where problem.status == 409 {
            show(.detail("\(problem)"))
        }

        show(.step("Citizen reads the log about them: samtykke consent log"))
        try await citizen(["consent", "log", "--server", server], idToken: idToken)

        try await handOff(request, bank: bank, org: org, person: person, broker: broker, trust: paths.caCertificate, logger: logger)
        show(.step("Done: everything the demo started is stopped"))
    }

    /// SPEC §2b: the bank sends the citizen to the consent's page and gets them back at its own.
    private func handOff(_ request: ConsentRequest, bank: BrokerClient, org: OrgNumber, person: FixturePerson, broker: BuiltBroker, trust: URL, logger: Logger) async throws {
        let arrivals = BankArrivals()
        try await whileRunning(logger: logger, { ready in bankReturnPage(logger: logger, arrivals: arrivals, onServerRunning: ready) }) { port in
            let redirect = "http://127.0.0.1:\(port)/return"
            _ = try await broker.store.addRedirectURI(try RedirectURI(redirect), org: org, now: Date())
            show(.step("The citizen's way in: the bank registers \(redirect) as where its customers come back to, as samtykke bank redirect add does"))
            let body = try JSONEncoder().encode(ConsentRequest(
                personId: request.personId, scopes: request.scopes, years: request.years, purpose: request.purpose,
                validUntil: request.validUntil, maxUses: request.maxUses, externalReference: request.externalReference, redirectUrl: redirect
            ))
            let created = try await bank.post("/v1/consents", body: Array(body), as: ConsentView.self)
            guard let viewUri = created.viewUri else { throw DemoError("the broker's answer has no viewUri") }
            show(.step("Bank asks again, with redirectUrl, and sends \(person.name) to the consent's page"))
            show(.detail("viewUri: \(viewUri)"))
            if let browser, browser(viewUri) {
                show(.detail("opened in your browser: log in at the dev ID provider as \(person.personId), then grant or deny (the demo waits up to 5 minutes)"))
                let deadline = ContinuousClock.now + .seconds(300)
                while arrivals.list.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            } else {
                show(.detail("no browser here (no $BROWSER or DISPLAY, not a terminal, or none would start): the demo plays the citizen's browser, over HTTP"))
                var browser = DemoBrowser(trustPEM: Array(try Data(contentsOf: trust)))
                let login = try await browser.open(viewUri)
                let loginForm = try DemoBrowser.firstForm(login.page, at: login.url)
                let page = try await browser.open(loginForm.action, form: loginForm.fields + [("pid", person.personId.digits)])
                let decision = try DemoBrowser.firstForm(page.page, at: page.url)
                _ = try await browser.open(decision.action, form: decision.fields + [("decision", "grant")])
                for line in browser.trail { show(.detail(line)) }
            }
            guard let back = arrivals.list.withLock({ $0.first }) else { throw DemoError("nobody came back to the bank's page within 5 minutes") }
            show(.step("Back at the bank: \(redirect)?consentId=\(back["consentId"] ?? "")&status=\(back["status"] ?? "")"))
            let now: ConsentView = try await bank.get("/v1/consents/\(created.id)", as: ConsentView.self)
            show(.detail("the bank sees consent \(created.id) \(now.status.rawValue)"))
        }
    }

    /// The citizen's command, run as they would run it, with the ID token in the environment.
    private func citizen(_ arguments: [String], idToken: String) async throws {
        let result = try await Command.run(executable, arguments, environment: ["SAMTYKKE_ID_TOKEN": idToken])
        for line in result.stdout.split(separator: "\n") { show(.detail("$ \(line)")) }
        guard result.status == 0 else {
            throw DemoError("samtykke \(arguments.joined(separator: " ")) failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}

public struct DemoError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
