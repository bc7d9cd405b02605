import Foundation
import SamtykkeJOSE
import TestSupport
import Testing

/// SIGTERM lets requests in flight finish, then the broker exits 0.
@Suite(.heavy, .serialized) struct ShutdownTests {
    @Test func sigtermDrainsInFlightRequestsAndExitsZero() async throws {
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir, agencyFaults: "latency=1500ms") { stack in
            let broker = stack.broker
            let bank = stack.bankKey

            let person = try fixturePeople()[0].personId.digits
            let bankCaller = Caller(server: broker.url, credential: bank)
            let created = try await bankCaller.send("POST", "/v1/consents", body: consentRequest(for: person))
            let id = try #require(created.json["id"] as? String)
            let token = try await stack.idToken(for: person)
            #expect(try await Caller(server: broker.url, credential: token).send("POST", "/v1/me/consents/\(id)/grant").status == 200)

            async let inFlight = bankCaller.send("POST", "/v1/consents/\(id)/bundles")
            // In flight for sure once the agency holds it back: the broker is waiting for its answer.
            let deadline = ContinuousClock.now + .seconds(10)
            while !stack.agency.logTail().contains("fault: latency"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(stack.agency.logTail().contains("fault: latency"), "the bundle request never reached the agency")
            let exit = await broker.stop(signal: SIGTERM)
            #expect(try await inFlight.status == 201)
            #expect(exit == 0)
            // One line says why it stopped, once it has.
            let log = broker.logTail(lines: 10_000)
            #expect(log.contains("broker stopped") && log.contains("reason=signal SIGTERM"), "\(log)")
            // And what it drained: the one bundle request it was answering.
            let stopped = try #require(log.split(separator: "\n").first { $0.contains("broker stopped") })
            #expect(stopped.contains("drainedRequests=1") && stopped.contains("drainedDeliveries=0") && stopped.contains("stoppingSeconds="), "\(stopped)")
            }
        }
    }
}
