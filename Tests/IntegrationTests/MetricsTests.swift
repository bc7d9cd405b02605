import ChildProcess
import TestSupport
import Foundation
import Testing
import TransparencyLog

/// `/metrics` read by the reference Prometheus parser: every series an operator alerts on is there
/// from the start with its type, and each request is counted with the status its client got.
/// The registry is the process's, shared with suites running alongside, so counts are compared
/// before and after, and only for series no other suite touches the same way at the same moment.
@Suite(.heavy, .serialized)
struct MetricsTests {
    static let bundles = "/v1/consents/{id}/bundles"

    static func scrape(_ run: ConsentFlowTests.Running) async throws -> MetricFamilies {
        let answer = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/metrics")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return try await MetricFamilies.parse(answer.text)
    }

    @Test func everySeriesIsThereWithItsType() async throws {
        try await ConsentFlowTests.withStack { run in
            // Before any bundle, agency call or refusal: the series exist already, at their start. The
            // HTTP families have a series per route and status, so they appear with the first request
            // (the scrape itself is recorded only after it answered).
            #expect(try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/healthz").status == 200)
            let metrics = try await Self.scrape(run)
            let expected: [String: String] = [
                "http_server_requests": "counter",
                "http_server_request_duration_seconds": "histogram",
                "samtykke_agency_request_duration_seconds": "histogram",
                "samtykke_agency_errors": "counter",
                "samtykke_agency_up": "gauge",
                "samtykke_agency_tls_handshakes": "counter",
                "samtykke_bundles_issued": "counter",
                "samtykke_bundles_refused": "counter",
                "samtykke_rate_limited": "counter",
                "samtykke_log_entries": "gauge",
                "samtykke_log_checkpoint_age_seconds": "gauge",
            ]
            for (family, type) in expected {
                #expect(metrics.type(of: family) == type, "\(family) is \(metrics.type(of: family) ?? "missing"), not \(type)")
            }
            for reason in ["agency-tls", "agency-timeout", "agency-unreachable", "agency-status", "agency-person-unknown", "agency-malformed-body"] {
                #expect(metrics.has("samtykke_agency_errors_total", ["reason": reason]), "no agency error series for \(reason)")
                #expect(metrics.has("samtykke_bundles_refused_total", ["reason": reason]), "no refusal series for \(reason)")
            }
            #expect(metrics.has("samtykke_bundles_refused_total", ["reason": "consent-unusable"]))
            #expect(metrics.has("samtykke_agency_request_duration_seconds_bucket", ["outcome": "error"]))
        }
    }

    @Test func errorsAreCountedWithTheirStatusAndTimed() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person)
            let before = try await Self.scrape(run)

            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 409)
            #expect(try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/no/such/route").status == 404)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 201)

            let after = try await Self.scrape(run)
            func delta(_ sample: String, _ labels: [String: String]) -> Double { after.value(sample, labels) - before.value(sample, labels) }
            // At least: suites running alongside issue and refuse bundles too. None may count a 500.
            #expect(delta("http_server_requests_total", ["method": "POST", "route": Self.bundles, "status": "409"]) >= 1)
            #expect(delta("http_server_requests_total", ["method": "POST", "route": Self.bundles, "status": "201"]) >= 1)
            #expect(delta("http_server_requests_total", ["method": "POST", "route": Self.bundles, "status": "500"]) == 0)
            #expect(delta("http_server_requests_total", ["method": "GET", "route": "NotFound", "status": "404"]) >= 1)
            #expect(delta("http_server_request_duration_seconds_count", ["method": "POST", "route": Self.bundles, "status_class": "4xx"]) >= 1)
            #expect(delta("http_server_request_duration_seconds_count", ["method": "GET", "route": "NotFound", "status_class": "4xx"]) >= 1)
            #expect(delta("samtykke_bundles_issued_total", [:]) >= 1)
            #expect(delta("samtykke_bundles_refused_total", ["reason": "consent-unusable"]) >= 1)
            #expect(delta("samtykke_agency_request_duration_seconds_count", ["outcome": "ok"]) >= 1)
            // The first agency call, a health check or this bundle, may have come before `before`.
            #expect(after.value("samtykke_agency_tls_handshakes_total") >= 1)
            // The log holds the request, the refusal, the grant and the bundle, at least.
            #expect(after.value("samtykke_log_entries") >= 4)
            #expect(after.value("samtykke_log_checkpoint_age_seconds") < 5)
            #expect(after.value("samtykke_agency_up") == 1)
            // No path (with its consent id) ever becomes a label.
            #expect(!after.families.values.flatMap(\.samples).contains { $0.labels.values.contains { $0.contains(id) } })
        }
    }

    /// The figures `/metrics` takes from the database (the log's size, the webhook backlog and the
    /// age of its oldest delivery, how old the figures are) follow it. The gauges are one per
    /// process, so this broker runs as its own; its one endpoint refuses every connection, so what
    /// was queued for it stays pending.
    @Test func theDatabaseFiguresFollowTheLogAndTheWebhookBacklog() async throws {
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir, brokerArguments: ["--webhook-allow-private"]) { stack in
                let anyone = Caller(server: stack.broker.url, credential: nil)
                let bank = Caller(server: stack.broker.url, credential: stack.bankKey)
                let closed = try ServerProcess.freePort()
                let registered = try await bank.send("POST", "/v1/webhooks", body: ["url": "https://127.0.0.1:\(closed)/hook"])
                #expect(registered.status == 201, "\(registered.text)")
                let person = try fixturePeople()[0].personId.digits
                #expect(try await bank.send("POST", "/v1/consents", body: consentRequest(for: person)).status == 201)
                let size = try Checkpoint(parsing: SignedNote(parsing: try await anyone.send("GET", "/v1/audit/checkpoint").text).text).size
                #expect(size >= 1)

                // The background refresh reads them every second.
                func scrape() async throws -> MetricFamilies { try await MetricFamilies.parse(try await anyone.send("GET", "/metrics").text) }
                let deadline = ContinuousClock.now + .seconds(20)
                var metrics = try await scrape()
                while metrics.value("samtykke_log_entries") < Double(size) || metrics.value("samtykke_webhook_deliveries_pending") < 1, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    metrics = try await scrape()
                }
                #expect(metrics.value("samtykke_log_entries") == Double(size))
                #expect(metrics.value("samtykke_webhook_deliveries_pending") >= 1)
                #expect(metrics.value("samtykke_store_metrics_age_seconds") < 3)
                try await Task.sleep(for: .milliseconds(1500))
                // The oldest pending delivery's event only ages.
                #expect(try await scrape().value("samtykke_webhook_oldest_pending_age_seconds") >= 1)
            }
        }
    }

    /// Prometheus' own linter (`promtool check metrics`, from Debian's `prometheus` package through
    /// `scripts/promtool`) passes a real scrape: HELP and TYPE on every family, names and units as
    /// Prometheus expects them.
    @Test func promtoolAcceptsTheScrape() async throws {
        try await ConsentFlowTests.withStack { run in
            #expect(try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/healthz").status == 200)
            let scrape = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/metrics").text
            let promtool = Package.root.appendingPathComponent("scripts/promtool").path
            let result = try await Command.run(promtool, ["check", "metrics"], input: Array(scrape.utf8))
            #expect(result.status == 0, "promtool check metrics: \(result.stdout)\(result.stderr)")
        }
    }
}
