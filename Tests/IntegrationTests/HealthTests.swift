import AgencyClient
import CurlHTTP
import Foundation
import ProcessHarness
import MockTaxAgency
import SamtykkeCore
import Testing

/// `/readyz` is about what this instance needs to serve: the database. The agency's state is
/// reported there and in `/metrics` but never takes the instance out of a load balancer, since
/// citizen and audit routes work without it.
@Suite(.serialized) struct HealthTests {
    @Test func readyWithTheAgencyUp() async throws {
        try await ConsentFlowTests.withStack { run in
            let answer = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/readyz")
            #expect(answer.status == 200)
            #expect(answer.json["database"] as? String == "ok")
            #expect(answer.json["agency"] as? String == "ok")
        }
    }

    /// A broker pointed at a port nothing listens on: a real agency failure, through libcurl.
    @Test
    func anAgencyOutageIsReportedNotFatal() async throws {
        let closed = try ServerProcess.freePort()
        try await ConsentFlowTests.withStack(customize: { broker in
            broker.agency = CurlTaxAgency(baseURL: "https://127.0.0.1:\(closed)", tls: CurlTLSConfiguration())
        }) { run in
            let anyone = Caller(server: run.stack.brokerURL, credential: nil)
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let before = try await MetricFamilies.parse(try await anyone.send("GET", "/metrics").text)

            let refused = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(refused.status == 502, "\(refused.text)")

            let ready = try await anyone.send("GET", "/readyz")
            #expect(ready.status == 200)
            #expect(ready.json["database"] as? String == "ok")
            #expect((ready.json["agency"] as? String)?.hasPrefix("unavailable: agency-unreachable") == true, "\(ready.text)")
            #expect(try await anyone.send("GET", "/healthz").status == 200)
            // The citizen's routes do not need the agency.
            #expect(try await run.citizen(person).send("GET", "/v1/me/consents").status == 200)

            let after = try await MetricFamilies.parse(try await anyone.send("GET", "/metrics").text)
            let reason = ["reason": "agency-unreachable"]
            // At least: suites running alongside may fail to reach an agency too.
            #expect(after.value("samtykke_agency_errors_total", reason) - before.value("samtykke_agency_errors_total", reason) >= 1)
            #expect(after.value("samtykke_bundles_refused_total", reason) - before.value("samtykke_bundles_refused_total", reason) >= 1)
            #expect(after.value("samtykke_agency_up") == 0)
        }
    }
}
