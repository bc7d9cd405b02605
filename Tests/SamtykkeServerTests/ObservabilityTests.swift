import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// What an operator's tools read from the router: `/metrics` as Prometheus users expect it (HELP
/// and TYPE on every family, `process_*`, build info, the dependency gauges), a 405 counted under
/// its route, `/readyz`'s body, and the request id a caller sent carried through.
@Suite(.sameOnEveryBackend) struct ObservabilityTests {
    static func scrape(_ client: some TestClientProtocol) async throws -> String {
        let answer = try await client.send(.get, "/metrics")
        #expect(answer.status == .ok)
        return String(buffer: answer.body)
    }

    @Test func everyFamilyHasHelpAndTheProcessAndBuildFamiliesAreThere() async throws {
        let harness = try await RouterHarness.make()
        let text = try await harness.test { client in try await Self.scrape(client) }
        let lines = text.split(separator: "\n")
        let typed = Set(lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        let helped = Set(lines.filter { $0.hasPrefix("# HELP ") && $0.split(separator: " ").count > 3 }.map { $0.split(separator: " ")[2] })
        #expect(!typed.isEmpty)
        #expect(typed.subtracting(helped).isEmpty, "families without HELP: \(typed.subtracting(helped).sorted())")
        for family in [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds",
            "samtykke_build_info", "samtykke_database_up", "samtykke_agency_up", "samtykke_webhook_deliveries_pending",
            "samtykke_webhook_oldest_pending_age_seconds", "samtykke_store_metrics_age_seconds", "samtykke_log_entries",
            "samtykke_log_checkpoint_age_seconds",
        ] {
            #expect(typed.contains(Substring(family)), "no \(family)")
        }
        let buildInfo = try #require(lines.first { $0.hasPrefix("samtykke_build_info{version=\"") }, "no samtykke_build_info sample")
        #expect(buildInfo.split(separator: " ").last.flatMap { Double($0) } == 1, "\(buildInfo)")
        #expect(lines.contains("# TYPE process_cpu_seconds_total counter"))
        let start = try #require(lines.first { $0.hasPrefix("process_start_time_seconds ") }.flatMap { Double($0.split(separator: " ")[1]) })
        #expect(abs(start - Date().timeIntervalSince1970) < 86_400, "start time \(start) is not today")
    }

    @Test func aMethodNotAllowedIsCountedUnderItsRoute() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            let refused = try await client.send(.put, "/v1/consents", bearer: harness.bankKey)
            #expect(refused.status == .methodNotAllowed)
            let text = try await Self.scrape(client)
            #expect(text.contains(#"http_server_requests_total{method="PUT",route="/v1/consents",status="405"}"#), "\(text)")
        }
    }

    @Test func aSaneRequestIDFromTheCallerIsKeptAndAnyOtherReplaced() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            let given = "lb-7f3a.9_~X-" + String(repeating: "a", count: 115)
            let kept = try await client.send(.get, "/v1/nothing-here", headers: [HTTPField.Name("X-Request-Id")!: given])
            #expect(kept.headers[HTTPField.Name("Request-Id")!] == given)
            #expect(kept.json["requestId"] as? String == given)
            // A national identity number, alone or inside a longer id, is replaced too.
            for refused in ["", "has space", "new\nline", "quote\"", given + "b", "ünïcode", RouterHarness.person.digits, "loan-9\(RouterHarness.person.digits)7-x"] {
                let answer = try await client.send(.get, "/v1/nothing-here", headers: [HTTPField.Name("X-Request-Id")!: refused])
                let id = try #require(answer.headers[HTTPField.Name("Request-Id")!])
                #expect(id != refused && !id.isEmpty, "\(refused.debugDescription) was kept")
                #expect(answer.json["requestId"] as? String == id)
            }
        }
    }

    @Test func readinessNamesEachDependency() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            let ready = try await client.send(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(ready.json["status"] as? String == "ready")
            #expect(ready.json["database"] as? String == "ok")
            #expect(ready.json["agency"] as? String == "ok")
            // Witnesses count only when the agency demands their cosignatures (BrokerWitnessTests).
            #expect(ready.json["witnesses"] == nil)
        }
    }
}
