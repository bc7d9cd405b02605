import DevPKI
import Foundation
import Hummingbird
import HummingbirdTesting
import MockTaxAgency
import NIOSSL
import SamtykkeJOSE
import ServiceLifecycle
import TestSupport

/// A mock tax agency listening on a free port of 127.0.0.1 for the duration of one test, and the
/// requests a broker (or an impostor) would send it.
struct RunningAgency: Sendable {
    let port: Int

    static func configuration(pki: PKIPaths, brokerKeys: JWKSet) -> MockTaxAgencyConfiguration {
        MockTaxAgencyConfiguration(
            certificateChain: pki.agencyCertificate.path,
            privateKey: pki.agencyKey.path,
            clientCA: pki.caCertificate.path,
            brokerKeys: brokerKeys,
            brokerIssuer: ConsentTokenFactory.issuer,
            fixtures: TestFiles.fixtures
        )
    }

    static func with<T: Sendable>(
        _ configuration: MockTaxAgencyConfiguration,
        _ body: @Sendable (RunningAgency) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildMockTaxAgency(configuration) { continuation.yield($0) }
        let group = ServiceGroup(services: [app], logger: app.logger)
        let server = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        guard let port = await ports.first(where: { _ in true }) else {
            try await server.value
            throw TestFailure("the agency stopped before it listened")
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(RunningAgency(port: port)))
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        _ = await server.result
        return try result.get()
    }

    /// TLS as the broker speaks it: trusting `ca` for the server, presenting `client`'s broker
    /// certificate, or none at all.
    static func clientTLS(trusting ca: PKIPaths, presenting client: PKIPaths?) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca.caCertificate.path))
        if let client {
            try present(certificate: client.brokerClientCertificate, key: client.brokerClientKey, in: &tls)
        }
        return tls
    }

    static func present(certificate: URL, key: URL, in tls: inout TLSConfiguration) throws {
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.path).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key.path, format: .pem))
    }

    func get(_ path: String, token: String?, tls: TLSConfiguration) async throws -> TestClient.Response {
        // The name the agency's certificate carries; NIOSSL will not verify against a bare IP in SNI.
        let configuration = TestClient.Configuration(tlsConfiguration: tls, timeout: .seconds(10), serverName: "localhost")
        return try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: configuration) { client in
            var headers: HTTPFields = [:]
            if let token { headers[.authorization] = "Bearer \(token)" }
            return try await client.execute(TestClient.Request(path, method: .get, authority: "localhost", headers: headers))
        }
    }
}
