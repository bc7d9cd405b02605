import DevPKI
import Foundation
import SamtykkeJOSE
import Testing
@testable import samtykke

/// SIGTERM lets requests in flight finish, then the broker exits 0.
@Suite(.serialized) struct ShutdownTests {
    @Test func sigtermDrainsInFlightRequestsAndExitsZero() async throws {
        try await withTemporaryDirectory { dir in
            let pki = dir.appendingPathComponent("pki")
            let data = dir.appendingPathComponent("data").path
            let paths = try DevPKI.make(in: pki)
            let key = try await runCLI(["bank", "add", "--data-dir", data, "--pki", pki.path, "--org", "986352325", "--name", "Bank"])
            let bank = key.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let agencyPort = try ServerProcess.freePort()
            let agency = ServerProcess(
                ["mock-tax-agency", "--port", "\(agencyPort)", "--pki", pki.path, "--fixtures", Package.fixtures, "--faults", "latency=1500ms"],
                port: agencyPort
            )
            try agency.start()
            defer { Task { await agency.stop(signal: SIGTERM) } }
            try await CrashTests.waitForAgency(port: agencyPort, paths: paths)
            let brokerPort = try ServerProcess.freePort()
            let broker = ServerProcess(
                ["serve", "--port", "\(brokerPort)", "--data-dir", data, "--pki", pki.path, "--tax-agency", "https://127.0.0.1:\(agencyPort)"],
                port: brokerPort
            )
            try broker.start()
            try await broker.waitUntilReady()

            let person = try fixturePeople()[0].personId
            let bankCaller = Caller(server: broker.url, credential: bank)
            let created = try await bankCaller.send("POST", "/v1/consents", body: consentRequest(for: person))
            let id = try #require(created.json["id"] as? String)
            let token = try await DevIDProvider(signer: try await ES256Signer(privateKey: KeyFiles.p256(paths.idProviderKey.path))).mint(pid: person)
            #expect(try await Caller(server: broker.url, credential: token).send("POST", "/v1/me/consents/\(id)/grant").status == 200)

            async let inFlight = bankCaller.send("POST", "/v1/consents/\(id)/bundles")
            try await Task.sleep(for: .milliseconds(400))
            let exit = await broker.stop(signal: SIGTERM)
            #expect(try await inFlight.status == 201)
            #expect(exit == 0)
        }
    }
}
