import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SamtykkeApp
import SamtykkeServer
import TestSupport
import Testing

/// What an operator reads: one access line per request (route pattern, status, duration, request id,
/// caller kind), the request id in the `Request-Id` header and in every problem document, one line
/// per log entry, and `--log-format json` as one JSON object per line.
@Suite(.sameOnEveryBackend) struct AccessLogTests {
    /// Serves the parties' broker through an application logging into `logger`.
    static func serve<T: Sendable>(
        logger: Logger,
        _ body: @Sendable @escaping (AuthorizationParties) async throws -> T
    ) async throws -> T {
        try await AuthorizationParties.run(logger: logger, body)
    }

    @Test func oneLinePerRequestWithTheCallerKindAndRequestID() async throws {
        let lines = CapturingLogHandler.Lines()
        let logger = Logger(label: "samtykke.broker") { _ in CapturingLogHandler(lines: lines) }
        let answers = try await Self.serve(logger: logger) { parties -> [Answer] in
            let bank = parties.caller(parties.bankA)
            let created = try await bank.send("POST", "/v1/consents", body: consentRequest(for: parties.personX, now: parties.clock.now()))
            let id = try #require(created.json["id"] as? String)
            return [
                created,
                try await bank.send("POST", "/v1/consents/\(id)/bundles"),
                try await parties.caller(parties.citizenX).send("POST", "/v1/me/consents/\(id)/grant"),
                try await parties.caller(parties.auditor).send("GET", "/v1/audit/entries?personId=\(parties.personX)"),
                try await parties.caller(nil).send("GET", "/v1/persons/\(parties.personX)"),
                try await parties.caller(nil).send("GET", "/healthz"),
            ]
        }
        #expect(answers.map(\.status) == [201, 409, 200, 200, 404, 200])
        let access = lines.all.filter { $0.contains("] request ") }
        #expect(access.count == answers.count, "\(access)")
        let expected: [(route: String, caller: String)] = [
            ("/v1/consents", "bank"), ("/v1/consents/{id}/bundles", "bank"), ("/v1/me/consents/{id}/grant", "citizen"),
            ("/v1/audit/entries", "auditor"), ("NotFound", "anonymous"), ("/healthz", "anonymous"),
        ]
        for (answer, (route, caller)) in zip(answers, expected) {
            let requestID = try #require(answer.header("Request-Id"), "no Request-Id on \(route)")
            let line = access.first { $0.contains("requestId=\(requestID)") }
            #expect(line?.contains("route=\(route) ") == true, "\(line ?? "no line for \(route)")")
            #expect(line?.contains("caller=\(caller) ") == true, "\(line ?? "")")
            #expect(line?.contains("status=\(answer.status)") == true, "\(line ?? "")")
            #expect(line?.contains("durationSeconds=") == true)
            if answer.status >= 400 { #expect(answer.json["requestId"] as? String == requestID, "\(answer.text)") }
        }
        // One line per log entry: the request, the refused bundle, the grant.
        let entries = lines.all.filter { $0.contains("] consent log entry ") }
        let types = ["consent.requested", "bundle.refused", "consent.granted"]
        #expect(entries.count == types.count && zip(entries, types).allSatisfy { $0.contains("type=\($1)") }, "\(entries)")
    }

    @Test func jsonFormatIsOneObjectPerLine() async throws {
        let written = CapturingLogHandler.Lines()
        var logger = Logger(label: "samtykke.broker") { label in JSONLogHandler(label: label) { written.append($0) } }
        logger.logLevel = .info
        let requestID = try await Self.serve(logger: logger) { parties -> String? in
            let answer = try await parties.caller(parties.bankA).send("GET", "/v1/consents/00000000-0000-4000-8000-000000000000")
            #expect(answer.status == 404)
            return answer.header("Request-Id")
        }
        let lines = written.all
        #expect(!lines.isEmpty)
        var access: [[String: Any]] = []
        for line in lines {
            #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "not one line: \(line)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
            #expect(object["level"] is String && object["time"] is String && object["label"] as? String == "samtykke.broker")
            if object["message"] as? String == "request" { access.append(object) }
        }
        #expect(access.count == 1)
        let metadata = try #require(access.first?["metadata"] as? [String: Any])
        #expect(metadata["status"] as? Int == 404)
        #expect(metadata["caller"] as? String == "bank")
        #expect(metadata["route"] as? String == "/v1/consents/{id}")
        #expect(metadata["requestId"] as? String == requestID)
    }

    /// Numbers as JSON numbers, the client's address as the trusted proxy names it, and the
    /// caller's own request id.
    @Test func jsonLinesCarryNumbersTheClientAndTheCallersRequestID() async throws {
        let written = CapturingLogHandler.Lines()
        var configured = Logger(label: "samtykke.broker") { label in JSONLogHandler(label: label) { written.append($0) } }
        configured.logLevel = .info
        let logger = configured
        let proxy = try #require(IPNetwork("127.0.0.1/32"))
        try await AuthorizationParties.run(.live, logger: logger, customize: { $0.trustedProxies = [proxy] }) { parties in
            let answer = try await parties.caller(nil).send(
                "GET", "/healthz", headers: [Header(name: "X-Request-Id", value: "edge-42"), Header(name: "X-Forwarded-For", value: "203.0.113.9")]
            )
            #expect(answer.header("Request-Id") == "edge-42")
        }
        let access = written.all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["message"] as? String == "request" }
        let metadata = try #require(access.first?["metadata"] as? [String: Any], "\(written.all)")
        #expect(metadata["requestId"] as? String == "edge-42")
        #expect(metadata["client"] as? String == "203.0.113.9")
        #expect(metadata["status"] as? Int == 200, "\(metadata)")
        let duration = try #require(metadata["durationSeconds"] as? Double, "\(metadata)")
        #expect(duration > 0 && duration < 10)
        // Text stays text, even when it looks like a number.
        #expect(metadata["route"] as? String == "/healthz")
    }
}
