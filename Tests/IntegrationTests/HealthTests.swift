import AgencyClient
import CurlAgencyClient
import CurlHTTP
import Foundation
import TestSupport
import MockTaxAgency
import SamtykkeApp
import SamtykkeCore
import SamtykkeStore
import Testing

/// `/readyz` is about what this instance needs to serve: the database and the agency, each named in
/// its answer (503 when either is unavailable), as the broker's own calls and background checks
/// found them; `/metrics` reports the same in its gauges.
@Suite(.heavy, .serialized) struct HealthTests {
    @Test func readyWithTheAgencyUp() async throws {
        // The probe's first call opens the mutual-TLS connection; on a machine busy with the whole
        // suite that alone has taken longer than the 2 s an operator's probe allows.
        try await ConsentFlowTests.withStack(customize: { $0.limits.agencyProbeDeadline = .seconds(30) }) { run in
            let answer = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/readyz")
            #expect(answer.status == 200)
            #expect(answer.json["database"] as? String == "ok")
            #expect(answer.json["agency"] as? String == "ok")
        }
    }

    /// A broker pointed at a port nothing listens on: a real agency failure, through libcurl.
    @Test
    func anAgencyOutageMakesTheBrokerUnready() async throws {
        let closed = try ServerProcess.freePort()
        try await ConsentFlowTests.withStack(customize: { broker in
            broker.given.agency = CurlTaxAgency(baseURL: "https://127.0.0.1:\(closed)", tls: CurlTLSConfiguration())
        }) { run in
            let anyone = Caller(server: run.stack.brokerURL, credential: nil)
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let before = try await MetricFamilies.parse(try await anyone.send("GET", "/metrics").text)

            let refused = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(refused.status == 502, "\(refused.text)")

            let ready = try await anyone.send("GET", "/readyz")
            #expect(ready.status == 503)
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
            // This broker's own record of it, which no other suite can have written.
            let entries = try await run.stack.broker.store.auditedEntries(LogQuery(limit: 100, consentId: try ConsentID(id)))
            let refusal = try #require(entries.last)
            #expect(refusal.type == .bundleRefused && refusal.details["reason"] == .string("agency-unreachable"))
        }
    }

    /// The agency's health check answers, but its data route drops every connection: `/readyz`
    /// reports what the broker's own call met, not what a probe of `/healthz` would find, and goes
    /// back to ok with the first good call.
    @Test func aFailedBundleCallIsReportedThoughTheAgencysHealthCheckAnswers() async throws {
        try await AgencyFaultTests.withFaultyStack { run, faults in
            let id = try await AgencyFaultTests.activeConsent(run)
            let anyone = Caller(server: run.stack.brokerURL, credential: nil)
            #expect(try await anyone.send("GET", "/readyz").json["agency"] as? String == "ok")

            faults.faults = try AgencyFaults(parsing: "reset=1")
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 502)
            // Well within the five seconds the broker trusts what it last saw.
            let ready = try await anyone.send("GET", "/readyz")
            #expect(ready.status == 503)
            #expect(ready.json["agency"] as? String == "unavailable: agency-unreachable", "\(ready.text)")

            faults.faults = .none
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 201)
            #expect(try await anyone.send("GET", "/readyz").json["agency"] as? String == "ok")
        }
    }

    /// The same for `samtykke_agency_up`, which `/metrics` sets from the broker's last word on each
    /// scrape. The gauge is one per process and every broker of the in-process stacks writes it, so
    /// this broker runs as its own process, against an agency that drops every data request.
    @Test func theAgencyGaugeFallsWithTheFirstFailedBundleCall() async throws {
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir, agencyFaults: "reset=1") { stack in
                let anyone = Caller(server: stack.broker.url, credential: nil)
                let bank = Caller(server: stack.broker.url, credential: stack.bankKey)
                let person = try fixturePeople()[0].personId.digits
                let id = try #require(try await bank.send("POST", "/v1/consents", body: consentRequest(for: person)).json["id"] as? String)
                let citizen = Caller(server: stack.broker.url, credential: try await stack.idToken(for: person))
                #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
                let up = try await anyone.send("GET", "/metrics").text
                #expect(try await bank.send("POST", "/v1/consents/\(id)/bundles").status == 502)
                let down = try await anyone.send("GET", "/metrics").text
                #expect(try await MetricFamilies.parse(up).value("samtykke_agency_up") == 1)
                #expect(try await MetricFamilies.parse(down).value("samtykke_agency_up") == 0)
            }
        }
    }
}
