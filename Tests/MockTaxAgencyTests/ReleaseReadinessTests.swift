import Crypto
import DevPKI
import Foundation
import Hummingbird
import HummingbirdTesting
import LogRelease
import MockTaxAgency
import SamtykkeJOSE
import TestSupport
import Testing
import TransparencyLog

/// With a log policy, the agency's `/readyz` tells whether it still releases: once its monitor found
/// the broker's log forked or shrunk (state it keeps across restarts), 503 with the reason.
@Suite("The agency's readiness with a log policy", .timeLimit(.minutes(1)), .sameOnEveryBackend)
struct ReleaseReadinessTests {
    struct NoLog: TileFetcher {
        func fetch(_ path: String) async throws -> [UInt8]? { nil }
    }

    static func readyz(halted: String?) async throws -> TestClient.Response {
        let pki = try await TestPKI.main.value
        let log = try NoteSigner(name: "samtykke.test/log", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
        let witness = try CosignatureSigner(name: "witness.test/w1", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agency-readiness-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The monitor's own state file, as it writes it when it stops.
        let state: [String: Any] = [
            "logKey": log, "rightEdge": [String](), "consents": ["entryCount": 0, "consents": [Any]()], "broken": [String: String](),
            "halted": halted ?? NSNull(),
        ]
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: directory + "/monitor.json"))
        let policy = try LogPolicy(parsing: Array("log \(log)\nwitness w1 \(witness)\nquorum w1\n".utf8))
        let signer = try ES256Signer(privateKey: KeyFiles.p256(pki.bundleSigningKey.path))
        var configuration = RunningAgency.configuration(pki: pki, brokerKeys: JWKSet(keys: [signer.publicJWK]))
        configuration.release = try ReleaseGate(policy: policy, fetcher: NoLog(), stateDirectory: directory)
        let tls = try RunningAgency.clientTLS(trusting: pki, presenting: pki)
        return try await RunningAgency.with(configuration) { agency in try await agency.get("/readyz", token: nil, tls: tls) }
    }

    @Test func readyWhileTheMonitorRuns() async throws {
        #expect(try await Self.readyz(halted: nil).status == .ok)
    }

    @Test func notReadyOnceTheMonitorStopped() async throws {
        let response = try await Self.readyz(halted: "the log shrank from 5 entries to 3")
        #expect(response.status == .serviceUnavailable)
        let body = String(decoding: response.body.map { Data($0.readableBytesView) } ?? Data(), as: UTF8.self)
        #expect(body.contains("the log shrank from 5 entries to 3") && body.contains("log-monitor-halted"), "\(body)")
    }
}
