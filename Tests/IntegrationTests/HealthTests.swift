import AgencyClient
import CurlHTTP
import Foundation
import MockTaxAgency
import SamtykkeCore
import Testing
@testable import samtykke

/// `/readyz` reflects the database and the agency; `/metrics` shows requests, agency errors and the log.
@Suite(.serialized) struct HealthTests {
    @Test func readyOnlyWhileTheAgencyAnswers() async throws {
        try await withTemporaryDirectory { dir in
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: try TestBackend.store(in: dir)) { (stack: LocalStack) async throws -> Void in
                let anyone = Caller(server: stack.brokerURL, credential: nil)
                #expect(try await anyone.send("GET", "/readyz").status == 200)
            }
        }
        try await withTemporaryDirectory { dir in
            let closed = try ServerProcess.freePort()
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: try TestBackend.store(in: dir), customize: { broker in
                broker.agency = CurlTaxAgency(baseURL: "https://127.0.0.1:\(closed)", tls: CurlTLSConfiguration())
            }) { (stack: LocalStack) async throws -> Void in
                let answer = try await Caller(server: stack.brokerURL, credential: nil).send("GET", "/readyz")
                #expect(answer.status == 503)
                #expect((answer.json["detail"] as? String)?.contains("tax agency") == true)
                #expect(try await Caller(server: stack.brokerURL, credential: nil).send("GET", "/healthz").status == 200)
            }
        }
    }

    @Test func metricsShowAgencyErrorsAndTheLogSize() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try fixturePeople()[0].personId
            let id = try await run.createConsent(for: person)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 201)
            let metrics = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("samtykke_log_entries"))
            #expect(metrics.text.contains("http_server_request_duration"))
        }
    }
}
