import CurlHTTP
import Foundation
import SamtykkeCore
import SamtykkeStore
import TestSupport
import Testing

/// Many clients at once: `maxUses` is never exceeded, a revoke is never overtaken by a bundle, and
/// retries under one `Idempotency-Key` never create a second consent, bundle or use.
@Suite(.heavy, .serialized) struct RaceTests {
    typealias Running = ConsentFlowTests.Running

    static func entries(_ run: Running, _ id: String) async throws -> [AuditEntry] {
        try await run.stack.broker.store.auditedEntries(LogQuery(limit: 10_000, consentId: try ConsentID(id)))
    }

    static func bundles(_ run: Running, _ id: String, count: Int, key: String? = nil) async throws -> [Answer] {
        try await withThrowingTaskGroup(of: Answer.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await run.bank.send("POST", "/v1/consents/\(id)/bundles", headers: key.map { [CurlHeader(name: "Idempotency-Key", value: $0)] } ?? [])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func maxUsesIsNeverExceeded() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try fixturePeople()[0].personId.digits
            let id = try await run.createConsent(for: person, maxUses: 3)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let answers = try await Self.bundles(run, id, count: 24)
            #expect(answers.filter { $0.status == 201 }.count == 3)
            #expect(answers.allSatisfy { $0.status == 201 || $0.status == 409 }, "\(answers.map(\.status))")
            let consent = try await run.bank.send("GET", "/v1/consents/\(id)").json
            #expect(consent["uses"] as? Int == 3 && consent["status"] as? String == "exhausted")
            let log = try await Self.entries(run, id)
            #expect(log.filter { $0.type == .bundleIssued }.count == 3)
            #expect(log.filter { $0.type == .consentExhausted }.count == 1)
        }
    }

    @Test func noBundleLeavesAfterARevoke() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try fixturePeople()[0].personId.digits
            let id = try await run.createConsent(for: person, maxUses: 100)
            let citizen = try await run.citizen(person)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            // Eight clients fetch in a loop; the citizen revokes once bundles are flowing, and each client
            // stops at its first refusal after that: the revoke lands in the middle of the traffic.
            let revoked = CrashTests.Ledger()
            async let storm = withThrowingTaskGroup(of: [Answer].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var answers: [Answer] = []
                        for _ in 0..<200 {
                            let answer = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
                            answers.append(answer)
                            if answer.status != 201, revoked.stopped { break }
                        }
                        return answers
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            // Revoke once a bundle is out, so bundles exist on both sides of the revoke.
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 0 {
                guard ContinuousClock.now < deadline else {
                    revoked.stop()
                    Issue.record("no bundle was issued within 60 s: \(try await storm.map(\.status))")
                    return
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/revoke").status == 200)
            revoked.stop()
            let answers = try await storm

            let log = try await Self.entries(run, id)
            let revokedAt = try #require(log.first { $0.type == .consentRevoked }).index
            // The race must really have been run: bundles went out before the revoke and requests were
            // refused after it; otherwise "nothing after the revoke" proves nothing.
            #expect(log.contains { $0.type == .bundleIssued && $0.index < revokedAt }, "no bundle was issued before the revoke")
            #expect(log.contains { $0.type == .bundleRefused && $0.index > revokedAt }, "no bundle request came after the revoke")
            #expect(log.filter { $0.type == .bundleIssued }.allSatisfy { $0.index < revokedAt })
            let received = answers.filter { $0.status == 201 }
            for answer in received {
                let receipt = try #require(answer.json["auditReceipt"] as? [String: Any])
                #expect(UInt64(try #require(receipt["index"] as? Int)) < revokedAt)
            }
            #expect(log.filter { $0.type == .bundleIssued }.count == received.count)
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == received.count)
        }
    }

    @Test func concurrentRetriesCreateOneConsent() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try fixturePeople()[1].personId.digits
            let body = consentRequest(for: person, now: run.clock.now())
            let key = [CurlHeader(name: "Idempotency-Key", value: "loan-4711")]
            let raw = Array(try JSONSerialization.data(withJSONObject: body))
            let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<10 { group.addTask { try await run.bank.send("POST", "/v1/consents", raw: raw, headers: key) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 201 })
            #expect(Set(answers.map(\.body)).count == 1)
            let mine = try await run.citizen(person).send("GET", "/v1/me/consents")
            #expect((mine.json["consents"] as? [Any])?.count == 1)

            var other = body
            other["maxUses"] = 5
            let reused = try await run.bank.send("POST", "/v1/consents", body: other, headers: key)
            #expect(reused.status == 422 && reused.json["field"] as? String == "Idempotency-Key")
            #expect(try await run.bank.send("POST", "/v1/consents", raw: raw, headers: key).body == answers[0].body)
        }
    }

    @Test func concurrentBundleRetriesGetOneBundleAndOneUse() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try fixturePeople()[0].personId.digits
            let id = try await run.createConsent(for: person, maxUses: 10)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let answers = try await Self.bundles(run, id, count: 8, key: "bundle-1")
            let issued = answers.filter { $0.status == 201 }
            #expect(!issued.isEmpty && answers.allSatisfy { $0.status == 201 || $0.status == 409 })
            #expect(Set(issued.map(\.body)).count == 1)
            let retry = try await run.bank.send("POST", "/v1/consents/\(id)/bundles", headers: [CurlHeader(name: "Idempotency-Key", value: "bundle-1")])
            #expect(retry.status == 201 && retry.body == issued[0].body)
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 1)
            #expect(try await Self.entries(run, id).filter { $0.type == .bundleIssued }.count == 1)
        }
    }
}
