import AgencyClient
import CurlAgencyClient
import CurlHTTP
import Foundation
import ChildProcess
import TestSupport
import SamtykkeApp
import SamtykkeDemo
import SamtykkeCore
import SamtykkeServer
import Testing

/// The mock agency is reachable only over mutual TLS with a certificate from the dev CA, and the
/// broker's libcurl client reports each failure as its own typed error.
@Suite(.heavy, .serialized) struct AgencyTLSTests {
    static func withAgency(_ body: @Sendable (LocalStack, URL) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            _ = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: try await TestBackend.store(in: dir)) { stack in try await body(stack, dir) }
        }
    }

    static func client(_ tls: CurlTLSConfiguration) -> CurlClient {
        CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(3), totalTimeout: .seconds(5), tls: tls, maxConcurrentRequests: 1,
            allowedProtocols: .https, userAgent: "samtykke-tests"
        ))
    }

    @Test func clientWithoutCertificateIsCutOffInTheHandshake() async throws {
        try await Self.withAgency { stack, _ in
            let client = Self.client(CurlTLSConfiguration(caFile: stack.paths.caCertificate.path))
            await #expect {
                _ = try await client.execute(.get("\(stack.agencyURL)/healthz"))
            } throws: { error in
                guard case .tls = error as? CurlError else { return false }
                return true
            }
        }
    }

    @Test func clientCertificateFromAnotherCAIsRefused() async throws {
        try await Self.withAgency { stack, dir in
            let other = try await TestPKI.copyOfOther(at: dir.appendingPathComponent("other-pki"))
            let client = Self.client(CurlTLSConfiguration(
                caFile: stack.paths.caCertificate.path,
                clientCertificateFile: other.brokerClientCertificate.path,
                clientKeyFile: other.brokerClientKey.path
            ))
            await #expect {
                _ = try await client.execute(.get("\(stack.agencyURL)/healthz"))
            } throws: { error in
                guard case .tls = error as? CurlError else { return false }
                return true
            }
        }
    }

    /// `samtykke_agency_tls_handshakes_total` in the process's registry.
    static func handshakes() -> Double {
        var text: [UInt8] = []
        SamtykkeMetrics.registry.emit(into: &text)
        let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(AgencyMetric.tlsHandshakes + " ") }
        return line.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
    }

    @Test func serverCertificateNotFromTheTrustedCAIsRefused() async throws {
        try await Self.withAgency { stack, dir in
            let before = Self.handshakes()
            let other = try await TestPKI.copyOfOther(at: dir.appendingPathComponent("other-pki"))
            let agency = CurlTaxAgency(baseURL: stack.agencyURL, tls: CurlTLSConfiguration(
                caFile: other.caCertificate.path,
                clientCertificateFile: stack.paths.brokerClientCertificate.path,
                clientKeyFile: stack.paths.brokerClientKey.path
            ))
            await #expect {
                _ = try await agency.taxData(for: try fixturePeople()[0].personId, consentToken: "x", deadline: .now + .seconds(5))
            } throws: { error in
                guard case .tls = error as? AgencyError else { return false }
                return true
            }
            // A handshake that failed is a handshake: counted, or an operator never sees them fail.
            #expect(Self.handshakes() - before >= 1)
        }
    }

    @Test func brokerCertificateWithoutAValidTokenGetsNoData() async throws {
        try await Self.withAgency { stack, _ in
            let agency = CurlTaxAgency(baseURL: stack.agencyURL, tls: CurlTLSConfiguration(
                caFile: stack.paths.caCertificate.path,
                clientCertificateFile: stack.paths.brokerClientCertificate.path,
                clientKeyFile: stack.paths.brokerClientKey.path
            ))
            await #expect(throws: AgencyError.status(401, "Consent token rejected")) {
                _ = try await agency.taxData(for: try fixturePeople()[0].personId, consentToken: "not-a-token", deadline: .now + .seconds(5))
            }
        }
    }

    @Test func theBinaryLinksLibcurl() async throws {
        let text = try await Command.run("ldd", [Package.binary.path]).stdout
        #expect(text.contains("libcurl"), "\(text)")
    }
}
