import CurlHTTP
import DevPKI
import Foundation
import TestSupport
import Testing

/// The proxy is what the configuration says, never what the process environment says.
@Suite("CurlClient and proxies", .sameOnEveryBackend)
struct CurlProxyTests {
    private let pki: PKIPaths

    init() async throws {
        pki = try await TestPKI.main.value
    }

    private func client(proxy: String? = nil) -> CurlClient {
        CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(2), totalTimeout: .seconds(10),
            tls: CurlTLSConfiguration(caFile: pki.caCertificate.path, clientCertificateFile: pki.brokerClientCertificate.path, clientKeyFile: pki.brokerClientKey.path),
            maxConcurrentRequests: 1, proxy: proxy
        ))
    }

    /// The environment is the whole test process's, so it is changed only around this one request
    /// and put back however the request ends. Only `HTTPS_PROXY` is set: the other tests and the
    /// scripts they start talk plain HTTP to their brokers and must not see a proxy.
    @Test func httpsProxyInTheEnvironmentIsIgnored() async throws {
        let refusing = try RefusingPort()
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let client = client()
            let previous = ProcessInfo.processInfo.environment["HTTPS_PROXY"]
            setenv("HTTPS_PROXY", "http://127.0.0.1:\(refusing.port)", 1)
            defer {
                if let previous { setenv("HTTPS_PROXY", previous, 1) } else { unsetenv("HTTPS_PROXY") }
            }
            let response = try await client.execute(.get("\(server.baseURL)/hello"))
            #expect(response.status == 200)
            #expect(response.body == Array("hello".utf8))
        }
    }

    @Test func aConfiguredProxyIsUsed() async throws {
        let refusing = try RefusingPort()
        try await TestServer.run(tls: try pki.serverTLSConfiguration()) { server in
            let error = await #expect(throws: CurlError.self) {
                try await client(proxy: "http://127.0.0.1:\(refusing.port)").execute(.get("\(server.baseURL)/hello"))
            }
            // The server itself is up, so a refused connection can only be the proxy's.
            guard case .connect(_, let code, _) = error else {
                Issue.record("expected .connect, got \(String(describing: error))")
                return
            }
            #expect(code == 7)
        }
    }
}
