import AgencyClient
import CurlAgencyClient
import CurlHTTP
import Foundation
import MockTaxAgency
import SamtykkeDemo
import TestSupport
import Testing

/// With release against the log a consent token is good for one release (SPEC §5): a timed-out
/// attempt may have spent it, so the broker's libcurl client does not send it again, while a
/// token that may be reused still gets its retries. Counted by the agency itself.
@Suite(.heavy, .serialized) struct SingleUseTokenRetryTests {
    @Test(arguments: [(true, 1), (false, 3)])
    func aTimedOutSingleUseTokenIsNotSentAgain(singleUse: Bool, attempts: Int) async throws {
        try await withTemporaryDirectory { dir in
            let traffic = AgencyTraffic()
            let faults = FaultSwitch()
            _ = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, agencyFaults: faults, agencyTraffic: traffic) { stack in
                // Each attempt times out inside the agency's latency; 1.5 s, not less, so that on two
                // loaded cores the request surely reaches the agency (a whole-suite run once timed out
                // a 400 ms attempt in the TLS handshake: nothing reached the agency).
                faults.faults = try AgencyFaults(parsing: "latency=3s")
                let agency = CurlTaxAgency(
                    baseURL: stack.agencyURL,
                    tls: CurlTLSConfiguration(
                        caFile: stack.paths.caCertificate.path, clientCertificateFile: stack.paths.brokerClientCertificate.path,
                        clientKeyFile: stack.paths.brokerClientKey.path),
                    retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(20), attemptTimeout: .milliseconds(1500)),
                    singleUseTokens: singleUse
                )
                await #expect {
                    _ = try await agency.taxData(for: try fixturePeople()[0].personId, consentToken: "one-release", deadline: .now + .seconds(10))
                } throws: { error in
                    guard case .timeout = error as? AgencyError else { return false }
                    return true
                }
                #expect(traffic.dataRequests == attempts)
                #expect(traffic.tokens.allSatisfy { $0 == "one-release" })
            }
        }
    }
}
