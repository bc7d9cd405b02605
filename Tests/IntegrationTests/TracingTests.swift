import ChildProcess
import CurlHTTP
import Foundation
import TestSupport
import Testing
import TransparencyLog

/// `serve --otlp-endpoint`: the broker's spans reach an OTLP/HTTP receiver we did not write
/// (`scripts/otlp-receiver`, decoding with the `opentelemetry-proto` package) as one trace per
/// request under the caller's `traceparent`, with the log commit and the agency call as children of
/// the request's span and each webhook delivery and witness submission as a child of the request
/// whose entry it is about; the trace goes on to the agency and to the webhook endpoint in
/// `traceparent`, and is in the request's log lines (JSON, whose handler is ours).
@Suite(.heavy, .serialized) struct TracingTests {
    static let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpan = "00f067aa0ba902b7"

    @Test func aRequestIsOneTraceUnderTheCallersTraceparentAndTheTraceReachesTheAgencyAndTheWebhook() async throws {
        try await withTemporaryDirectory { dir in
            let state = dir.appendingPathComponent("otlp")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let collector = ServerProcess(
                name: "OTLP receiver", executable: try await TestPython.executable.path,
                arguments: [Package.root.appendingPathComponent("scripts/otlp-receiver").path, "--state", state.path]
            )
            try collector.start()
            let endpoint = try await collector.waitUntilListening()
            let (witnessKeyFile, witnessKey) = try await WitnessCommandTests.makeWitness(in: dir)
            let witnessPort = try ServerProcess.freePort()
            try await withCleanup {
                try await WebhookReceiver.with(in: dir) { receiver in
                    try await receiver.start()
                    let flags = [
                        "--webhook-allow-private", "--webhook-ca", receiver.caFile, "--otlp-endpoint", endpoint, "--log-format", "json",
                        "--witness", "http://127.0.0.1:\(witnessPort)=\(witnessKey)",
                    ]
                    try await ProcessStack.with(in: dir, brokerArguments: flags) { stack in
                        // The witness needs the broker's log key, so it starts after the broker (whose
                        // first submissions fail and are tried again).
                        let logKey = try await Caller(server: stack.broker.url, credential: nil).send("GET", "/v1/audit/log-key").text
                        let witness = ServerProcess(["witness", "serve", "--key", witnessKeyFile, "--log", logKey.trimmingCharacters(in: .whitespacesAndNewlines)], port: witnessPort)
                        try await witness.running(environment: ["SAMTYKKE_NAME": WitnessCommandTests.name, "SAMTYKKE_STATE": dir.appendingPathComponent("witness").path]) {
                            let traced = [CurlHeader(name: "traceparent", value: "00-\(Self.traceId)-\(Self.callerSpan)-01")]
                            let bank = Caller(server: stack.broker.url, credential: stack.bankKey)
                            _ = try await WebhookDeliveryTests.register(receiver.url(), as: bank, at: receiver)
                            let person = try ConsentFlowTests.person
                            let created = try await bank.send("POST", "/v1/consents", body: consentRequest(for: person), headers: traced)
                            let id = try #require(created.json["id"] as? String, "\(created.text)")
                            let token = try await stack.idToken(for: person)
                            #expect(try await Caller(server: stack.broker.url, credential: token).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
                            let bundle = try await bank.send("POST", "/v1/consents/\(id)/bundles", headers: traced)
                            #expect(bundle.status == 201, "\(bundle.text)")
                            let deliveries = try await receiver.waitFor("the consent's three events") { $0.count >= 3 }
                            // The witness cosigns the checkpoint that ends with the bundle's entry.
                            let cosigner = try CosignatureVerifier(verifierKey: witnessKey)
                            _ = try await BrokerWitnessTests.cosignedCheckpoint(at: stack.broker.url, size: 3, by: cosigner)

                            // Sent on: to the webhook endpoint (the creation's and the bundle's events
                            // under the caller's trace, the grant's under a trace of its own) and the agency.
                            let sent = deliveries.compactMap(\.traceparent)
                            #expect(sent.count == 3 && sent.filter { $0.hasPrefix("00-\(Self.traceId)-") }.count == 2, "\(sent)")
                            #expect(stack.agency.logTail(lines: 10_000).contains("traceparent=00-\(Self.traceId)-"), "\(stack.agency.logTail())")
                            // Stopping flushes the last spans.
                            #expect(await stack.broker.stop(signal: SIGTERM) == 0)
                            let log = stack.broker.logTail(lines: 10_000)
                            #expect(log.contains("broker stopped"), "\(log)")
                            // The request's own line carries the trace id; so does the log entry's, written deeper in.
                            let lines = log.split(separator: "\n").filter { $0.contains(#""traceId":"\#(Self.traceId)""#) }
                            #expect(lines.contains { $0.contains(#""route":"/v1/consents/{id}/bundles""#) }, "\(log)")
                            #expect(lines.contains { $0.contains(#""message":"consent log entry""#) && $0.contains(#""type":"bundle.issued""#) }, "\(log)")
                        }
                    }
                }
            } cleanup: {
                await collector.stop()
            }

            let spans = Self.spans(in: state)
            let ours = spans.filter { $0.traceId == Self.traceId }
            let requests = ours.filter { $0.kind == "SPAN_KIND_SERVER" && $0.parentSpanId == Self.callerSpan }
            let create = try #require(requests.first { $0.name == "POST /v1/consents" }, "\(spans)")
            let fetch = try #require(requests.first { $0.name == "POST /v1/consents/{id}/bundles" }, "\(spans)")
            #expect(fetch.attributes["http.response.status_code"] as? Int == 201)
            // No path (it holds the person's number) in any span.
            #expect(!spans.contains { "\($0.attributes)".contains(try! ConsentFlowTests.person) })
            let children = ours.filter { $0.parentSpanId == fetch.spanId }
            #expect(children.contains { $0.name == "log commit" }, "\(ours)")
            #expect(children.contains { $0.name == "agency call" && $0.kind == "SPAN_KIND_CLIENT" }, "\(ours)")
            // Each delivery is a child of the request whose commit set it off.
            #expect(ours.contains { $0.name == "webhook delivery" && $0.parentSpanId == create.spanId }, "\(ours)")
            #expect(ours.contains { $0.name == "webhook delivery" && $0.parentSpanId == fetch.spanId }, "\(ours)")
            #expect(ours.contains { $0.name == "witness submission" && $0.parentSpanId == fetch.spanId }, "\(ours)")
        }
    }

    struct ReceivedSpan: CustomStringConvertible {
        let traceId, spanId, parentSpanId, name, kind: String
        let attributes: [String: Any]
        var description: String { "\(name) \(kind) \(traceId)/\(spanId)←\(parentSpanId)" }
    }

    static func spans(in state: URL) -> [ReceivedSpan] {
        guard let text = try? String(contentsOf: state.appendingPathComponent("spans.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return ReceivedSpan(
                traceId: object["traceId"] as? String ?? "", spanId: object["spanId"] as? String ?? "",
                parentSpanId: object["parentSpanId"] as? String ?? "", name: object["name"] as? String ?? "",
                kind: object["kind"] as? String ?? "", attributes: object["attributes"] as? [String: Any] ?? [:]
            )
        }
    }
}
