import Crypto
import CurlHTTP
import Foundation
import ChildProcess
import TestSupport
import Testing
import TransparencyLog
import Witness

/// `samtykke witness` as an operator runs it: a key from openssl, the verifier key printed alone,
/// the server as its own process, stopped with SIGTERM and started again over its state.
@Suite(.heavy, .serialized, .sameOnEveryBackend) struct WitnessCommandTests {
    static let name = "witness.test/w1"

    /// An Ed25519 key as `openssl genpkey` writes it, mode 0600.
    static func makeKey(in dir: URL) async throws -> String {
        let path = dir.appendingPathComponent("witness.key").path
        let made = try await Command.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", path])
        #expect(made.status == 0, "\(made.stderr)")
        chmod(path, 0o600)
        return path
    }

    /// A witness key made in `dir` and its verifier key as `samtykke witness key` prints it.
    static func makeWitness(in dir: URL) async throws -> (key: String, verifierKey: String) {
        let key = try await makeKey(in: dir)
        let printed = try await runCLI(["witness", "key", "--key", key, "--name", name])
        #expect(printed.status == 0, "\(printed.stderr)")
        return (key, printed.stdout.trimmingCharacters(in: .newlines))
    }

    @Test func keyPrintsTheVerifierKeyAloneAndRefusesAKeyOthersCanRead() async throws {
        try await withTemporaryDirectory { dir in
            let key = try await Self.makeKey(in: dir)
            let printed = try await runCLI(["witness", "key", "--key", key, "--name", Self.name])
            #expect(printed.status == 0, "\(printed.stderr)")
            let expected = try CosignatureSigner(
                name: Self.name, privateKey: Curve25519.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: key, encoding: .utf8)))
            #expect(printed.stdout == expected.verifierKey + "\n")
            #expect(try CosignatureVerifier(verifierKey: expected.verifierKey).keyID == expected.keyID)

            chmod(key, 0o644)
            let open = try await runCLI(["witness", "key", "--key", key, "--name", Self.name])
            #expect(open.status != 0 && open.stderr.contains("must be 0600"))
            #expect(open.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func serveCosignsStopsOnSIGTERMAndRemembersOnRestart() async throws {
        try await withTemporaryDirectory { dir in
            let key = try await Self.makeKey(in: dir)
            let log = try NoteSigner(name: "samtykke.test/log", privateKey: Curve25519.Signing.PrivateKey())
            var store = InMemorySubtreeStore()
            func grow(_ count: Int) throws -> String {
                for _ in 0..<count { store.append(leafHash: MerkleHasher.leafHash(Array("entry \(store.size)".utf8))) }
                return try log.sign(Checkpoint(origin: log.name, size: store.size, rootHash: MerkleTree.root(size: store.size, source: store)).body)
            }
            // Flags and SAMTYKKE_ variables mixed, as a unit file might.
            let witness = ServerProcess(["witness", "serve", "--key", key, "--log", log.verifierKey])
            let environment = ["SAMTYKKE_NAME": Self.name, "SAMTYKKE_STATE": dir.appendingPathComponent("state").path]
            let verifier = try CosignatureVerifier(
                verifierKey: try await runCLI(["witness", "key", "--key", key, "--name", Self.name]).stdout.trimmingCharacters(in: .newlines))
            let http = CurlClient(configuration: CurlClientConfiguration(totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS))
            let client = { WitnessClient(url: witness.url, verifier: verifier, http: http) }

            try witness.start(environment: environment)
            try await witness.waitUntilReady(path: "/healthz")
            let first = try grow(5)
            let snapshot = store
            let cosignature = try await client().submit(first) { try MerkleTree.consistencyProof(from: $0, to: $1, source: snapshot) }
            #expect(try verifier.cosignature(in: first + cosignature.line) == cosignature)
            #expect(await witness.stop(signal: SIGTERM) == 0)

            try witness.start(environment: environment)
            try await witness.waitUntilReady(path: "/healthz")
            let second = try grow(3)
            let restarted = client()
            #expect(try await restarted.addCheckpoint(AddCheckpointRequest(oldSize: 0, proof: [], signedCheckpoint: second)) == .sizeConflict(witnessSize: 5))
            let grown = store
            _ = try await restarted.submit(second) { try MerkleTree.consistencyProof(from: $0, to: $1, source: grown) }
            #expect(await restarted.witnessSize == 8)
            #expect(await witness.stop(signal: SIGTERM) == 0)
        }
    }
}
