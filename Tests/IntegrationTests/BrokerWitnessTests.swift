import Crypto
import CurlHTTP
import Foundation
import ChildProcess
import SamtykkeApp
import TestSupport
import Testing
import TransparencyLog
import Witness

/// A broker started with witnesses: it submits its checkpoints to a real `samtykke witness serve`,
/// serves the cosignatures it gets, `audit verify --witness-key` requires them, and a dead witness
/// stops nothing.
@Suite(.heavy, .serialized) struct BrokerWitnessTests {
    static let http = CurlClient(configuration: CurlClientConfiguration(totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS))

    /// The broker's newest checkpoint once it carries `verifier`'s cosignature and covers `size` entries.
    static func cosignedCheckpoint(at url: String, path: String = "/v1/audit/checkpoint", size: UInt64, by verifier: CosignatureVerifier) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let note = try await Caller(server: url, credential: nil).send("GET", path).text
            if (try? Checkpoint(parsing: SignedNote(parsing: note).text).size) == size, (try? verifier.cosignature(in: note)) != nil { return note }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ChildProcessError("no cosigned checkpoint of \(size) entries at \(url)\(path)")
    }

    /// A broker whose witness is a real `samtykke witness serve`, started after the broker, so its
    /// first submissions fail and are retried. `body` gets the witness's verifier key.
    static func withWitnessedBroker(_ body: @Sendable (ConsentFlowTests.Running, String, URL) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let (key, witnessKey) = try await WitnessCommandTests.makeWitness(in: dir)
            let verifier = try CosignatureVerifier(verifierKey: witnessKey)
            let port = try ServerProcess.freePort()
            let url = "http://127.0.0.1:\(port)"
            try await ConsentFlowTests.withStack(customize: { broker in
                broker.witnesses = [WitnessClient(url: url, verifier: verifier, http: Self.http)]
            }) { run in
                let witness = ServerProcess(["witness", "serve", "--key", key, "--log", run.stack.broker.logVerifierKey], port: port)
                try await witness.running(environment: ["SAMTYKKE_NAME": WitnessCommandTests.name, "SAMTYKKE_STATE": dir.appendingPathComponent("state").path]) {
                    try await body(run, witnessKey, dir)
                }
            }
        }
    }

    static let stranger = try! CosignatureSigner(name: "witness.test/never", privateKey: Curve25519.Signing.PrivateKey()).verifierKey

    @Test func theBrokerServesItsWitnessCosignatureAndAuditVerifyRequiresIt() async throws {
        try await Self.withWitnessedBroker { run, witnessKey, dir in
            let verifier = try CosignatureVerifier(verifierKey: witnessKey)
            try await AuditedBroker.addActivity(run)

            let served = try await Self.cosignedCheckpoint(at: run.stack.brokerURL, size: 8, by: verifier)
            #expect(try NoteVerifier(verifierKey: run.stack.broker.logVerifierKey).open(served).hasSuffix("\n"))
            _ = try await Self.cosignedCheckpoint(at: run.stack.brokerURL, path: "/v1/audit/tlog/checkpoint", size: 8, by: verifier)

            let auditor = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date()).text
            let audit = { (keys: [String], environment: [String: String]) in
                try await runCLI(["audit", "verify", "--server", run.stack.brokerURL, "--state", dir.appendingPathComponent("state-\(UUID()).json").path]
                    + keys.flatMap { ["--witness-key", $0] }, environment: ["SAMTYKKE_AUDITOR_KEY": auditor].merging(environment) { $1 })
            }
            let passed = try await audit([witnessKey], [:])
            #expect(passed.status == 0, "\(passed.stderr)")
            #expect(passed.stdout.contains("cosigned by \(WitnessCommandTests.name)"), "\(passed.stdout)")

            // The keys from the flag or, as a unit file might set them, from SAMTYKKE_WITNESS_KEY.
            for refused in [try await audit([witnessKey, Self.stranger], [:]), try await audit([], ["SAMTYKKE_WITNESS_KEY": "\(witnessKey),\(Self.stranger)"])] {
                #expect(refused.status == 1)
                #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("witness.test/never"), "\(refused.stderr)")
            }
        }
    }

    /// A receipt is cut in the commit that logs its bundle, before any witness saw that checkpoint;
    /// the same request again, under its `Idempotency-Key`, answers with the newest checkpoint and
    /// the cosignatures the broker holds for it, which `bundle verify --witness-key` requires.
    @Test func bundleVerifyRequiresACosignedReceiptWhenGivenWitnessKeys() async throws {
        try await Self.withWitnessedBroker { run, witnessKey, dir in
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let request = { try await run.bank.send("POST", "/v1/consents/\(id)/bundles", headers: [CurlHeader(name: "Idempotency-Key", value: "witnessed")]) }
            let issued = try await request()
            #expect(issued.status == 201, "\(issued.text)")
            _ = try await Self.cosignedCheckpoint(at: run.stack.brokerURL, size: 3, by: try CosignatureVerifier(verifierKey: witnessKey))
            let replayed = try await request()
            #expect(replayed.status == 201, "\(replayed.text)")

            let logKey = run.stack.broker.logVerifierKey
            // bundle verify reads keys from https or a file; this broker serves plain http.
            let jwks = dir.appendingPathComponent("jwks.json")
            try await Caller(server: run.stack.brokerURL, credential: nil).send("GET", "/.well-known/jwks.json").text.write(to: jwks, atomically: true, encoding: .utf8)
            func verify(_ answer: String, witnesses: [String]) async throws -> CommandResult {
                let file = dir.appendingPathComponent("\(UUID().uuidString).json")
                try answer.write(to: file, atomically: true, encoding: .utf8)
                return try await runCLI(["bundle", "verify", file.path, "--jwks", jwks.path, "--log-key", logKey]
                    + witnesses.flatMap { ["--witness-key", $0] })
            }
            let accepted = try await verify(replayed.text, witnesses: [witnessKey])
            #expect(accepted.status == 0, "\(accepted.stderr)")
            #expect(accepted.stdout.contains("cosigned by \(WitnessCommandTests.name) at "), "\(accepted.stdout)")
            #expect(try await verify(issued.text, witnesses: []).status == 0, "without witness keys the log's signature is enough")

            // The signature bytes of the witness's line, changed: still a line of its key, no longer its signature.
            var answer = try #require(try JSONSerialization.jsonObject(with: Data(replayed.text.utf8)) as? [String: Any])
            var receipt = try #require(answer["auditReceipt"] as? [String: Any])
            var lines = try #require(receipt["checkpoint"] as? String).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let witnessLine = try #require(lines.lastIndex { $0.hasPrefix("— \(WitnessCommandTests.name) ") })
            var characters = Array(lines[witnessLine])
            let at = characters.count - 20
            characters[at] = characters[at] == "A" ? "B" : "A"
            lines[witnessLine] = String(characters)
            receipt["checkpoint"] = lines.joined(separator: "\n")
            answer["auditReceipt"] = receipt
            let forged = String(decoding: try JSONSerialization.data(withJSONObject: answer), as: UTF8.self)

            for (text, keys, words) in [
                (issued.text, [witnessKey], "no signature by key \(WitnessCommandTests.name)+"),
                (replayed.text, [witnessKey, Self.stranger], "no signature by key witness.test/never+"),
                (forged, [witnessKey], "invalid signature for key \(WitnessCommandTests.name)+"),
            ] {
                let refused = try await verify(text, witnesses: keys)
                #expect(refused.status == 1)
                #expect(refused.stderr.hasPrefix("samtykke: the receipt's checkpoint is not cosigned by every required witness: "), "\(refused.stderr)")
                #expect(refused.stderr.contains(words) && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
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

    /// With release against the log every bundle needs the agency's quorum of cosignatures, so
    /// `/readyz` is 503 naming the witnesses while those that answer cannot meet it, and ready once
    /// they do; `samtykke_witness_up` follows each witness.
    @Test func withReleaseAgainstTheLogReadinessNeedsTheWitnessQuorum() async throws {
        try await withTemporaryDirectory { dir in
            let (key, witnessKey) = try await WitnessCommandTests.makeWitness(in: dir)
            let verifier = try CosignatureVerifier(verifierKey: witnessKey)
            let port = try ServerProcess.freePort()
            let url = "http://127.0.0.1:\(port)"
            let policy = dir.appendingPathComponent("agency-log-policy")
            try await ConsentFlowTests.withStack(customize: { broker in
                broker.witnesses = [WitnessClient(url: url, verifier: verifier, http: Self.http)]
                let logKey = try! broker.logSigner().verifierKey
                try! Data("log \(logKey)\nwitness w1 \(witnessKey)\nquorum w1\n".utf8).write(to: policy)
                broker.agencyLogPolicy = policy.path
            }) { run in
                let anyone = Caller(server: run.stack.brokerURL, credential: nil)
                func witnessUp() async throws -> Double {
                    try await MetricFamilies.parse(try await anyone.send("GET", "/metrics").text).value("samtykke_witness_up", ["witness": url])
                }
                // An entry, so there is a checkpoint for the witness (not listening yet) to be asked about.
                _ = try await run.createConsent(for: try ConsentFlowTests.person)
                let down = try await Self.readiness(of: anyone) { ($0.json["witnesses"] as? String)?.contains("did not cosign") == true }
                #expect(down.status == 503, "\(down.text)")
                #expect(down.json["detail"] as? String == "unavailable: witnesses", "\(down.text)")
                #expect(down.json["database"] as? String == "ok" && down.json["agency"] as? String == "ok", "\(down.text)")
                let why = try #require(down.json["witnesses"] as? String)
                #expect(why.hasPrefix("unavailable: the witnesses that answer do not meet the agency's quorum (\(url) did not cosign: "), "\(why)")
                #expect(try await witnessUp() == 0)

                let witness = ServerProcess(["witness", "serve", "--key", key, "--log", run.stack.broker.logVerifierKey], port: port)
                try await witness.running(environment: ["SAMTYKKE_NAME": WitnessCommandTests.name, "SAMTYKKE_STATE": dir.appendingPathComponent("state").path]) {
                    // The witness loop backs off while the witness is away, at most 10 s.
                    _ = try await witness.waitUntilListening()
                    let up = try await Self.readiness(of: anyone) { $0.status == 200 }
                    #expect(up.json["witnesses"] as? String == "ok", "\(up.text)")
                    #expect(try await witnessUp() == 1)
                }
            }
        }
    }

    /// With release against the log and a quorum of any one of two witnesses, one that never answers
    /// costs a bundle nothing: the round ends with the other's cosignature, not at the silent one's
    /// 10 s timeout, and the silent one is asked once at a time, not once per round.
    @Test func aWitnessThatHangsDoesNotHoldUpABundleOnceTheQuorumIsMet() async throws {
        try await withTemporaryDirectory { dir in
            let (key, witnessKey) = try await WitnessCommandTests.makeWitness(in: dir)
            let port = try ServerProcess.freePort()
            let silent = try SilentListener()
            let silentKey = try CosignatureSigner(name: "witness.test/silent", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
            let policy = dir.appendingPathComponent("agency-log-policy")
            try await ConsentFlowTests.withStack(customize: { broker in
                broker.witnesses = [
                    WitnessClient(url: "http://127.0.0.1:\(silent.port)", verifier: try! CosignatureVerifier(verifierKey: silentKey), http: Self.http),
                    WitnessClient(url: "http://127.0.0.1:\(port)", verifier: try! CosignatureVerifier(verifierKey: witnessKey), http: Self.http),
                ]
                let logKey = try! broker.logSigner().verifierKey
                let text = "log \(logKey)\nwitness w1 \(silentKey)\nwitness w2 \(witnessKey)\ngroup either any w1 w2\nquorum either\n"
                try! Data(text.utf8).write(to: policy)
                broker.agencyLogPolicy = policy.path
            }) { run in
                let witness = ServerProcess(["witness", "serve", "--key", key, "--log", run.stack.broker.logVerifierKey], port: port)
                try await witness.running(environment: ["SAMTYKKE_NAME": WitnessCommandTests.name, "SAMTYKKE_STATE": dir.appendingPathComponent("state").path]) {
                    let person = try ConsentFlowTests.person
                    let id = try await run.createConsent(for: person, maxUses: 3)
                    #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
                    try await witness.waitUntilListening()
                    // A round begun before the witness listened waits out the silent one's 10 s; the
                    // timed bundles start once a round has ended with the listening witness's word.
                    let anyone = Caller(server: run.stack.brokerURL, credential: nil)
                    _ = try await Self.readiness(of: anyone) { $0.status == 200 }
                    let asked = silent.connections()
                    for _ in 0..<2 {
                        let started = ContinuousClock.now
                        let issued = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
                        let took = started.duration(to: .now)
                        #expect(issued.status == 201, "\(issued.text)")
                        // The silent witness's timeout is 10 s; a loaded machine takes a few seconds at most.
                        #expect(took < .seconds(5), "the bundle took \(took)")
                    }
                    // Each bundle is a round; the silent witness keeps the one request it has.
                    #expect(silent.connections() - asked <= 1, "\(asked) then \(silent.connections())")
                }
            }
        }
    }

    /// `/readyz` once `done` holds of it, within 30 s.
    static func readiness(of anyone: Caller, until done: (Answer) -> Bool) async throws -> Answer {
        let deadline = ContinuousClock.now + .seconds(30)
        var answer = try await anyone.send("GET", "/readyz")
        while !done(answer), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await anyone.send("GET", "/readyz")
        }
        return answer
    }

    @Test func serveRefusesAWitnessFlagItCannotUse() async throws {
        for flag in ["http://127.0.0.1:1", "http://127.0.0.1:1=not-a-key", "ftp://x=\(Self.stranger)"] {
            let refused = try await runCLI(["serve", "--witness", flag])
            #expect(refused.status != 0 && refused.stderr.contains("--witness"), "\(flag): \(refused.stderr)")
        }
    }
}

/// A port on 127.0.0.1 that takes connections (the kernel completes the handshake) and never
/// reads or answers: a witness that hangs.
final class SilentListener: Sendable {
    let port: Int
    private let socket: Int32

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && listen(socket, 64) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw ChildProcessError("cannot listen on 127.0.0.1") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Connections waiting to be accepted, as the kernel counts them (`ss`' Recv-Q of a listener).
    func connections() -> Int {
        var info = tcp_info()
        var size = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(socket, Int32(IPPROTO_TCP), TCP_INFO, &info, &size) == 0 else { return -1 }
        return Int(info.tcpi_unacked)
    }

    deinit { close(socket) }
}
