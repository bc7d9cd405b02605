import DevPKI
import Foundation
import Hummingbird
import HummingbirdTesting
import MockTaxAgency
import NIOCore
import NIOSSL
import SamtykkeCore
import SamtykkeJOSE
import TestSupport
import Testing

@Suite("Mock tax agency over mutual TLS", .timeLimit(.minutes(1)), .sameOnEveryBackend)
struct MockTaxAgencyTests {
    static let marius = "02879423174"
    /// No 2025 assessment.
    static let randi = "27854706689"
    /// Valid synthetic number of nobody in the fixtures.
    static let nobody = "01819010001"

    let pki: PKIPaths
    let other: PKIPaths
    let tokens: ConsentTokenFactory
    let fixtures: PeopleFixtures
    /// TLS exactly as the broker speaks it.
    let broker: TLSConfiguration

    init() async throws {
        pki = try await TestPKI.main.value
        other = try await TestPKI.other.value
        tokens = try ConsentTokenFactory(pki: pki)
        fixtures = try PeopleFixtures(contentsOf: TestFiles.fixtures)
        broker = try RunningAgency.clientTLS(trusting: pki, presenting: pki)
    }

    func withAgency<T: Sendable>(_ body: @Sendable (RunningAgency) async throws -> T) async throws -> T {
        let configuration = RunningAgency.configuration(pki: pki, brokerKeys: JWKSet(keys: [tokens.signer.publicJWK]))
        return try await RunningAgency.with(configuration, body)
    }

    @Test("a valid token gets exactly its scopes and years")
    func coveredOnly() async throws {
        let token = try tokens.token(for: Self.marius, scopes: [.income, .wealth], years: [2022, 2024])
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: broker)
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        let data = try JSONDecoder().decode(TaxData.self, from: Self.body(response))
        let person = try #require(fixtures.person(PersonID(Self.marius)))
        #expect(data.personId.digits == Self.marius)
        #expect(data.notAssessed == [])
        #expect(data.years.keys.sorted() == ["2022", "2024"])
        for year in ["2022", "2024"] {
            #expect(data.years[year] == TaxYear(income: person.years[year]?.income, debt: nil, wealth: person.years[year]?.wealth))
        }
        #expect(!String(decoding: Self.body(response), as: UTF8.self).contains("debt"))
    }

    @Test("a covered year the person has no assessment for comes back in notAssessed")
    func notAssessed() async throws {
        let token = try tokens.token(for: Self.randi, scopes: [.debt], years: [2024, 2025])
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.randi)/tax-data", token: token, tls: broker)
        }
        #expect(response.status == .ok)
        let data = try JSONDecoder().decode(TaxData.self, from: Self.body(response))
        #expect(data.years.keys.sorted() == ["2024"])
        #expect(data.notAssessed == [2025])
        #expect(data.years["2024"]?.debt != nil && data.years["2024"]?.income == nil)
    }

    @Test("a person the agency does not know is 404")
    func unknownPerson() async throws {
        let token = try tokens.token(for: Self.nobody)
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.nobody)/tax-data", token: token, tls: broker)
        }
        try Self.expectProblem(response, .notFound, "unknown-person")
    }

    @Test("a token for another person is 403")
    func otherPerson() async throws {
        let token = try tokens.token(for: Self.randi)
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: broker)
        }
        try Self.expectProblem(response, .forbidden, "person-not-covered")
    }

    @Test("a malformed personId in the path is 400, but only after the token checks out")
    func malformedPersonId() async throws {
        let token = try tokens.token(for: Self.marius)
        let (authorized, anonymous) = try await withAgency { agency in
            (
                try await agency.get("/v1/persons/02879423175/tax-data", token: token, tls: broker),
                try await agency.get("/v1/persons/02879423175/tax-data", token: nil, tls: broker)
            )
        }
        try Self.expectProblem(authorized, .badRequest, "invalid-person-id")
        try Self.expectProblem(anonymous, .unauthorized, "missing-token")
    }

    @Test("a missing bearer token is 401 with WWW-Authenticate")
    func missingToken() async throws {
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: nil, tls: broker)
        }
        try Self.expectProblem(response, .unauthorized, "missing-token")
        #expect(response.headers[.wwwAuthenticate] == "Bearer")
    }

    @Test("an expired token is 401")
    func expired() async throws {
        let token = try tokens.token(for: Self.marius, issuedAt: Date().addingTimeInterval(-300))
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: broker)
        }
        try Self.expectProblem(response, .unauthorized, "invalid-token")
    }

    /// Signed with the broker's own key, but naming another agency or another broker as issuer.
    @Test("a token for another audience or from another issuer is 401", arguments: [
        (ConsentTokenFactory.issuer, "urn:samtykke:someone-else"),
        ("urn:samtykke:another-broker", MockTaxAgencyConfiguration.defaultAudience),
    ])
    func wrongAudienceOrIssuer(issuer: String, audience: String) async throws {
        let token = try tokens.token(for: Self.marius, issuer: issuer, audience: audience)
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: broker)
        }
        try Self.expectProblem(response, .unauthorized, "invalid-token")
    }

    @Test("a token signed by a key outside the broker's JWKS is 401")
    func foreignSigner() async throws {
        let impostor = try ES256Signer(privateKey: KeyFiles.p256(other.bundleSigningKey.path))
        let token = try tokens.token(for: Self.marius, signedBy: impostor)
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: broker)
        }
        try Self.expectProblem(response, .unauthorized, "invalid-token")
    }

    @Test("a token with a tampered payload is 401")
    func tamperedToken() async throws {
        let genuine = try tokens.token(for: Self.marius, scopes: [.income])
        let forged = try tokens.token(for: Self.marius, scopes: Scope.allCases)
        let parts = genuine.split(separator: ".")
        let token = [parts[0], forged.split(separator: ".")[1], parts[2]].joined(separator: ".")
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: broker)
        }
        try Self.expectProblem(response, .unauthorized, "invalid-token")
    }

    @Test("a token bound to another client certificate is 403")
    func otherCertificate() async throws {
        let elsewhere = try KeyFiles.certificateSHA256(other.brokerClientCertificate.path)
        let token = try tokens.token(for: Self.marius, boundTo: elsewhere)
        let response = try await withAgency { agency in
            try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: broker)
        }
        try Self.expectProblem(response, .forbidden, "certificate-mismatch")
    }

    @Test("a client without a certificate is cut off in the handshake")
    func noClientCertificate() async throws {
        let token = try tokens.token(for: Self.marius)
        let anonymous = try RunningAgency.clientTLS(trusting: pki, presenting: nil)
        try await withAgency { agency in
            try await Self.expectCutOff { try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: anonymous) }
            try await Self.expectCutOff { try await agency.get("/healthz", token: nil, tls: anonymous) }
        }
    }

    @Test("a client certificate from another CA is cut off in the handshake")
    func foreignClientCertificate() async throws {
        let token = try tokens.token(for: Self.marius)
        let stranger = try RunningAgency.clientTLS(trusting: pki, presenting: other)
        try await withAgency { agency in
            try await Self.expectCutOff { try await agency.get("/v1/persons/\(Self.marius)/tax-data", token: token, tls: stranger) }
        }
    }

    @Test("the agency's own server certificate is no client certificate")
    func serverCertificateAsClient() async throws {
        var tls = try RunningAgency.clientTLS(trusting: pki, presenting: nil)
        try RunningAgency.present(certificate: pki.agencyCertificate, key: pki.agencyKey, in: &tls)
        try await withAgency { [tls] agency in
            try await Self.expectCutOff { try await agency.get("/healthz", token: nil, tls: tls) }
        }
    }

    @Test("TLS older than 1.2 is refused, even with the broker's certificate")
    func oldTLS() async throws {
        var tls = broker
        tls.minimumTLSVersion = .tlsv1
        tls.maximumTLSVersion = .tlsv11
        try await withAgency { [tls] agency in
            try await Self.expectCutOff { try await agency.get("/healthz", token: nil, tls: tls) }
        }
    }

    @Test("/healthz answers ok behind mutual TLS, unknown paths get a problem document")
    func healthAndUnknownRoute() async throws {
        let (health, unknown) = try await withAgency { agency in
            (try await agency.get("/healthz", token: nil, tls: broker), try await agency.get("/v1/nothing-here", token: nil, tls: broker))
        }
        #expect(health.status == .ok)
        #expect(String(decoding: Self.body(health), as: UTF8.self) == "ok")
        try Self.expectProblem(unknown, .notFound, nil)
    }

    @Test("configuration faults fail the build with a clear error")
    func buildFailures() async throws {
        let keys = JWKSet(keys: [tokens.signer.publicJWK])
        var missingKey = RunningAgency.configuration(pki: pki, brokerKeys: keys)
        missingKey.privateKey = "/nonexistent/agency.key"
        let noKey = await #expect(throws: MockTaxAgencyError.self) { try await buildMockTaxAgency(missingKey) }
        guard case .tls(let why)? = noKey, why.hasPrefix("cannot read the private key /nonexistent/agency.key: ") else {
            Issue.record("\(String(describing: noKey)) does not name the missing key")
            return
        }

        let noKeys = RunningAgency.configuration(pki: pki, brokerKeys: JWKSet(keys: []))
        await #expect(throws: MockTaxAgencyError.brokerKeys("the JWKS is empty, so no consent token could ever be accepted")) {
            try await buildMockTaxAgency(noKeys)
        }

        var noFixtures = RunningAgency.configuration(pki: pki, brokerKeys: keys)
        noFixtures.fixtures = "/nonexistent/people.json"
        let unread = await #expect(throws: MockTaxAgencyError.self) { try await buildMockTaxAgency(noFixtures) }
        guard case .fixtures(let why)? = unread, why.hasPrefix("cannot read /nonexistent/people.json: ") else {
            Issue.record("\(String(describing: unread)) does not name the missing fixtures")
            return
        }
    }

    private static func body(_ response: TestClient.Response) -> Data {
        response.body.map { Data($0.readableBytesView) } ?? Data()
    }

    /// Checks an RFC 9457 problem document: media type, the four members, `status` equal to the
    /// response's, and our problem type where one is expected.
    private static func expectProblem(_ response: TestClient.Response, _ status: HTTPResponse.Status, _ slug: String?) throws {
        #expect(response.status == status)
        #expect(response.headers[.contentType] == "application/problem+json")
        let problem = try #require(try JSONSerialization.jsonObject(with: body(response)) as? [String: Any])
        #expect(problem["status"] as? Int == status.code)
        #expect((problem["title"] as? String)?.isEmpty == false)
        #expect((problem["detail"] as? String)?.isEmpty == false)
        let expectedType = slug.map { "urn:samtykke:problem:tax-agency:\($0)" } ?? "about:blank"
        #expect(problem["type"] as? String == expectedType)
    }

    /// The request must fail at the TLS layer, never get an HTTP response, and not time out (which
    /// would mean the server let the connection hang). Up to TLS 1.2 the alert fails the handshake
    /// itself (NIOSSLError); in TLS 1.3 the client finishes first and reads the alert with its first
    /// read (BoringSSLError).
    private static func expectCutOff(_ request: () async throws -> TestClient.Response) async throws {
        do {
            let response = try await request()
            Issue.record("the handshake should have failed, but the agency answered \(response.status)")
        } catch is NIOSSLError {
        } catch is BoringSSLError {
        } catch ChannelError.ioOnClosedChannel, ChannelError.eof {
            // Under load the server's close can overtake the alert: still no HTTP, still cut off.
        } catch {
            Issue.record("expected a TLS alert, got \(String(reflecting: error))")
        }
    }
}
