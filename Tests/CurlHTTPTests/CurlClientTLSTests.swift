import CurlHTTP
import DevPKI
import Synchronization
import TestSupport
import Testing

@Suite("CurlClient over mutual TLS", .sameOnEveryBackend)
struct CurlClientTLSTests {
    private let pki: PKIPaths
    private let other: PKIPaths

    init() async throws {
        pki = try await TestPKI.main.value
        other = try await TestPKI.other.value
    }

    private func client(
        caFile: String? = nil,
        certificate: String? = nil,
        key: String? = nil,
        maxConcurrentRequests: Int = 4,
        connectionsOpened: (@Sendable (Int) -> Void)? = nil
    ) -> CurlClient {
        CurlClient(
            configuration: CurlClientConfiguration(
                connectTimeout: .seconds(2),
                totalTimeout: .seconds(30),
                tls: CurlTLSConfiguration(
                    caFile: caFile ?? pki.caCertificate.path,
                    clientCertificateFile: certificate,
                    clientKeyFile: key),
                maxConcurrentRequests: maxConcurrentRequests,
                connectionsOpened: connectionsOpened))
    }

    /// Every connection opened is reported, the ones whose handshake failed as well as the ones reused
    /// after it succeeded.
    @Test func everyHandshakeIsReportedFailedOrNot() async throws {
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let opened = Mutex<[Int]>([])
            let report: @Sendable (Int) -> Void = { count in opened.withLock { $0.append(count) } }
            let untrusting = client(caFile: other.caCertificate.path, certificate: pki.brokerClientCertificate.path, key: pki.brokerClientKey.path, connectionsOpened: report)
            try await expectTLSFailure(untrusting, server)
            try await expectTLSFailure(client(connectionsOpened: report), server)
            #expect(opened.withLock { $0 } == [1, 1])
            let trusting = client(certificate: pki.brokerClientCertificate.path, key: pki.brokerClientKey.path, connectionsOpened: report)
            for _ in 0..<3 { _ = try await trusting.execute(.get("\(server.baseURL)/hello")) }
            #expect(opened.withLock { $0 } == [1, 1, 1])
        }
    }

    @Test func rightClientCertificateSucceeds() async throws {
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let client = client(certificate: pki.brokerClientCertificate.path, key: pki.brokerClientKey.path)
            let response = try await client.execute(.get("\(server.baseURL)/hello"))
            #expect(response.status == 200)
            #expect(response.body == Array("hello".utf8))
        }
    }

    @Test func connectionsAndHandshakesAreReused() async throws {
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let poolSize = 4
            let client = client(certificate: pki.brokerClientCertificate.path, key: pki.brokerClientKey.path, maxConcurrentRequests: poolSize)
            let first = try await client.execute(.get("\(server.baseURL)/hello"))
            let second = try await client.execute(.get("\(server.baseURL)/hello"))
            #expect(first.newConnections == 1)
            #expect(second.newConnections == 0)
            var total = 0
            for _ in 0..<20 {
                total += try await client.execute(.get("\(server.baseURL)/hello")).newConnections
            }
            #expect(total <= poolSize)
        }
    }

    @Test func missingClientCertificateIsATLSError() async throws {
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let code = try await expectTLSFailure(client(), server)
            // TLS 1.3 sends the server's refusal after the client considers the handshake
            // done, so libcurl reports a receive error (56) rather than a handshake error (35).
            #expect(code == 56 || code == 35)
        }
    }

    @Test func clientCertificateFromAnotherCAIsATLSError() async throws {
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let code = try await expectTLSFailure(
                client(certificate: other.brokerClientCertificate.path, key: other.brokerClientKey.path), server)
            #expect(code == 56 || code == 35)
        }
    }

    @Test func serverCertificateFromAnUntrustedCAIsATLSError() async throws {
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let client = client(caFile: other.caCertificate.path, certificate: pki.brokerClientCertificate.path, key: pki.brokerClientKey.path)
            let code = try await expectTLSFailure(client, server)
            #expect(code == 60)
        }
    }

    @discardableResult
    private func expectTLSFailure(_ client: CurlClient, _ server: TestServer) async throws -> Int {
        let error = await #expect(throws: CurlError.self) {
            try await client.execute(.get("\(server.baseURL)/hello"))
        }
        guard case .tls(let origin, let code, let message) = error else {
            Issue.record("expected .tls, got \(String(describing: error))")
            return -1
        }
        #expect(origin == server.baseURL)
        #expect(!message.isEmpty)
        #expect(error?.description.hasPrefix("TLS handshake with \(server.baseURL) failed: ") == true)
        return code
    }
}
