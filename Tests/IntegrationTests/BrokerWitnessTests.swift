import Crypto
import CurlHTTP
import Foundation
import Testing
import TransparencyLog
import Witness
@testable import samtykke

/// A broker started with witnesses: it submits its checkpoints to a real `samtykke witness serve`,
/// serves the cosignatures it gets, `audit verify --witness-key` requires them, and a dead witness
/// stops nothing.
@Suite(.serialized) struct BrokerWitnessTests {
    static let http = CurlClient(configuration: CurlClientConfiguration(totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS))

    /// The broker's newest checkpoint once it carries `verifier`'s cosignature and covers `size` entries.
    static func cosignedCheckpoint(at url: String, path: String = "/v1/audit/checkpoint", size: UInt64, by verifier: CosignatureVerifier) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let note = try await Caller(server: url, credential: nil).send("GET", path).text
            if (try? Checkpoint(parsing: SignedNote(parsing: note).text).size) == size, (try? verifier.cosignature(in: note)) != nil { return note }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerProcessError("no cosigned checkpoint of \(size) entries at \(url)\(path)")
    }

    @Test func theBrokerServesItsWitnessCosignatureAndAuditVerifyRequiresIt() async throws {
        try await withTemporaryDirectory { dir in
            let key = try await WitnessCommandTests.makeKey(in: dir)
            let witnessKey = try await runCLI(["witness", "key", "--key", key, "--name", WitnessCommandTests.name]).stdout
                .trimmingCharacters(in: .newlines)
            let verifier = try CosignatureVerifier(verifierKey: witnessKey)
            let port = try ServerProcess.freePort()
            let url = "http://127.0.0.1:\(port)"
            try await ConsentFlowTests.withStack(customize: { broker in
                broker.witnesses = [WitnessClient(url: url, verifier: verifier, http: Self.http)]
            }) { run in
                // Started after the broker, so its first submissions fail and are retried.
                let witness = ServerProcess(["witness", "serve", "--port", "\(port)", "--key", key, "--log", run.stack.broker.logVerifierKey], port: port)
                try witness.start(environment: ["SAMTYKKE_NAME": WitnessCommandTests.name, "SAMTYKKE_STATE": dir.appendingPathComponent("state").path])
                defer { Task { await witness.stop(signal: SIGTERM) } }
                try await AuditedBroker.addActivity(run)

                let served = try await Self.cosignedCheckpoint(at: run.stack.brokerURL, size: 8, by: verifier)
                #expect(try NoteVerifier(verifierKey: run.stack.broker.logVerifierKey).open(served).hasSuffix("\n"))
                _ = try await Self.cosignedCheckpoint(at: run.stack.brokerURL, path: "/v1/audit/tlog/checkpoint", size: 8, by: verifier)

                let auditor = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date()).text
                let audit = { (keys: [String]) in
                    try await runCLI(["audit", "verify", "--server", run.stack.brokerURL, "--state", dir.appendingPathComponent("state-\(UUID()).json").path]
                        + keys.flatMap { ["--witness-key", $0] }, environment: ["SAMTYKKE_AUDITOR_KEY": auditor])
                }
                let passed = try await audit([witnessKey])
                #expect(passed.status == 0, "\(passed.stderr)")
                #expect(passed.stdout.contains("cosigned by \(WitnessCommandTests.name)"), "\(passed.stdout)")

                let stranger = try CosignatureSigner(name: "witness.test/never", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
                let refused = try await audit([witnessKey, stranger])
                #expect(refused.status == 1)
                #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("witness.test/never"), "\(refused.stderr)")
            }
        }
    }

    @Test func aBrokerWhoseWitnessIsDownStillIssuesBundles() async throws {
        let verifier = try CosignatureVerifier(verifierKey: try CosignatureSigner(name: "witness.test/down", privateKey: Curve25519.Signing.PrivateKey()).verifierKey)
        let url = "http://127.0.0.1:\(try ServerProcess.freePort())"
        try await ConsentFlowTests.withStack(customize: { broker in
            broker.witnesses = [WitnessClient(url: url, verifier: verifier, http: Self.http)]
        }) { run in
            let bundles = try await AuditedBroker.addActivity(run)
            #expect(bundles.count == 2)
            let served = try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/v1/audit/checkpoint").text
            #expect(try Checkpoint(parsing: SignedNote(parsing: served).text).size == 8)
            #expect(try SignedNote(parsing: served).signatures.count == 1)
        }
    }

    @Test func serveRefusesAWitnessFlagItCannotUse() async throws {
        for flag in ["http://127.0.0.1:1", "http://127.0.0.1:1=not-a-key", "ftp://x=\(try CosignatureSigner(name: "w", privateKey: Curve25519.Signing.PrivateKey()).verifierKey)"] {
            let refused = try await runCLI(["serve", "--witness", flag])
            #expect(refused.status != 0 && refused.stderr.contains("--witness"), "\(flag): \(refused.stderr)")
        }
    }
}
