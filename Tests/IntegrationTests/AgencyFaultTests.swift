import Foundation
import MockTaxAgency
import SamtykkeApp
import SamtykkeDemo
import SamtykkeCore
import SamtykkeStore
import SamtykkeServer
import TestSupport
import Testing

/// A failing or slow agency: the bank gets a 502 or 504 problem with a retry hint, no use is counted,
/// the failure is on the log as `bundle.refused`, and once the agency recovers the same consent works.
@Suite(.heavy, .serialized) struct AgencyFaultTests {
    static func withFaultyStack(
        deadline: Duration = .seconds(6), fixtures: (URL) throws -> String = { _ in Package.fixtures },
        _ body: @Sendable (ConsentFlowTests.Running, FaultSwitch) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            let faults = FaultSwitch()
            let clock = TestClock()
            _ = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            try await LocalStack.run(work: dir, fixtures: try fixtures(dir), store: try await TestBackend.store(in: dir), agencyFaults: faults, customize: { broker in
                broker.clock = { clock.now() }
                broker.limits.bundleDeadline = deadline
                // `/readyz` opens its own connection to the agency; see HealthTests.
                broker.limits.agencyProbeDeadline = .seconds(30)
            }) { stack in
                let key = try await stack.broker.store.addBank(org: try OrgNumber("986352325"), name: "Test Sparebank", now: Date())
                try await body(ConsentFlowTests.Running(stack: stack, bank: Caller(server: stack.brokerURL, credential: key.text), bankKey: key.text, clock: clock), faults)
            }
        }
    }

    static func activeConsent(_ run: ConsentFlowTests.Running) async throws -> String {
        let person = try fixturePeople()[0].personId.digits
        let id = try await run.createConsent(for: person, maxUses: 5)
        #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
        return id
    }

    @Test(arguments: [
        ("error=1", 502, "agency-status-503"),
        ("reset=1", 502, "agency-unreachable"),
        ("malformed=1", 502, "agency-malformed-body"),
        ("latency=10s", 504, "agency-timeout"),
        ("slow-body=10s", 504, "agency-timeout"),
    ])
    func failuresAreProblemsAndCountNothing(fault: String, status: Int, reason: String) async throws {
        try await Self.withFaultyStack { run, faults in
            let id = try await Self.activeConsent(run)
            faults.faults = try AgencyFaults(parsing: fault)
            let started = ContinuousClock.now
            let answer = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(answer.status == status, "\(answer.text)")
            // The slow faults last 10 s; the 6 s bundle deadline must cut them short of that (and leaves
            // the quick failures room for their retries on a loaded machine).
            #expect(ContinuousClock.now - started < .seconds(9), "the bundle deadline bounds the wait")
            #expect(answer.header("Content-Type") == "application/problem+json")
            #expect(answer.header("Retry-After") != nil)
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 0)
            let entries = try await run.stack.broker.store.auditedEntries(LogQuery(limit: 100, consentId: try ConsentID(id)))
            let last = try #require(entries.last)
            #expect(last.type == .bundleRefused)
            #expect(last.details["reason"] == .string(reason))

            // Recovered: the bank retries as the README tells it to (on a starved machine a retry may
            // still meet the short test deadline), and exactly one use is counted for the bundle it gets.
            faults.faults = .none
            var answers: [Answer] = []
            for _ in 0..<5 where answers.last?.status != 201 {
                answers.append(try await run.bank.send("POST", "/v1/consents/\(id)/bundles"))
            }
            #expect(answers.last?.status == 201, "\(answers.map(\.text))")
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 1)
        }
    }

    /// An agency answer with a figure beyond ±(2^53 − 1), which a bank's JSON reader would round, is
    /// refused as malformed and logged, never signed rounded (nor a 500 after the fetch).
    @Test func aFigureNoJSONReaderHoldsExactlyIsRefusedAsMalformed() async throws {
        let huge = "9007199254740993"
        let writeFixtures: (URL) throws -> String = { dir in
            // The first person's 2024 wages and income total; the fixture rules still hold.
            let text = try String(contentsOfFile: Package.fixtures, encoding: .utf8)
            let changed = text.replacingOccurrences(of: "\"wages\": 78694,", with: "\"wages\": \(huge),")
                .replacingOccurrences(of: "\"total\": 78694\n", with: "\"total\": \(huge)\n")
            try #require(changed != text && changed.components(separatedBy: huge).count == 3)
            let path = dir.appendingPathComponent("people.json").path
            try changed.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        try await Self.withFaultyStack(fixtures: writeFixtures) { run, _ in
            let id = try await Self.activeConsent(run)
            let answer = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(answer.status == 502, "\(answer.text)")
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 0)
            let entries = try await run.stack.broker.store.auditedEntries(LogQuery(limit: 100, consentId: try ConsentID(id)))
            let last = try #require(entries.last)
            #expect(last.type == .bundleRefused && last.details["reason"] == .string("agency-malformed-body"))
        }
    }

    @Test func unknownPersonIsNotRetriedAndSaysSo() async throws {
        try await Self.withFaultyStack { run, _ in
            // A valid synthetic number that no fixture holds.
            let stranger = "24859045681"
            #expect(try fixturePeople().allSatisfy { $0.personId.digits != stranger })
            let id = try await run.createConsent(for: stranger)
            #expect(try await run.citizen(stranger).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let answer = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
            #expect(answer.status == 422)
            #expect(run.stack.agencyTraffic.dataRequests == 1)
        }
    }
}
