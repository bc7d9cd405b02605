import CurlHTTP
import Crypto
import Foundation
import Testing
import TransparencyLog
import Witness
import TestSupport

/// A real witness over HTTP, driven through `WitnessClient` on real libcurl, with an in-memory log.
@Suite("C2SP tlog-witness over HTTP", .sameOnEveryBackend)
struct WitnessServerTests {
    /// Submits the log's current checkpoint, with proofs from the log itself.
    @discardableResult
    static func submit(_ log: TestLog, to client: WitnessClient) async throws -> Cosignature {
        let log = log
        return try await client.submit(try log.signedCheckpoint()) { from, to in try log.consistencyProof(from: from, to: to) }
    }

    /// One raw request through the client, no retry.
    static func add(_ log: TestLog, oldSize: UInt64, proof: [Hash]? = nil, to client: WitnessClient) async throws -> WitnessAnswer {
        let proof = try proof ?? log.consistencyProof(from: oldSize, to: log.size)
        return try await client.addCheckpoint(AddCheckpointRequest(oldSize: oldSize, proof: proof, signedCheckpoint: log.signedCheckpoint()))
    }

    static func expectRefused(_ status: Int, _ body: () async throws -> some Any) async {
        let error = await #expect(throws: WitnessClientError.self) { _ = try await body() }
        guard case .refused(let got, _) = error else {
            Issue.record("\(String(describing: error)) is not a refusal")
            return
        }
        #expect(got == status)
    }

    @Test func aGrowingLogIsCosignedAtEverySize() async throws {
        try await withTemporaryPath { state in
            let initial = try TestLog()
            try await RunningWitness.with(logs: [initial.signer], state: state) { running in
                var log = initial
                let client = running.client()
                let verifier = CosignedCheckpointVerifier(log: try NoteVerifier(verifierKey: log.signer.verifierKey), witnesses: [running.verifier])
                for growth in [3, 5, 0, 1, 55] {
                    log.append(growth)
                    let before = UInt64(Date().timeIntervalSince1970)
                    let cosignature = try await Self.submit(log, to: client)
                    let after = UInt64(Date().timeIntervalSince1970)
                    let cosigned = try verifier.verify(log.signedCheckpoint() + cosignature.line)
                    #expect(cosigned.checkpoint == (try log.checkpoint()))
                    #expect(cosigned.cosignatures == [cosignature])
                    #expect(cosignature.keyName == "witness.test/w1")
                    #expect((before...after).contains(cosignature.time))
                    #expect(await client.witnessSize == log.size)
                    #expect(await running.witness.latestCheckpoint(origin: log.origin) == (try log.checkpoint()))
                }
            }
        }
    }

    @Test func aForkIsRefusedAndChangesNothing() async throws {
        try await withTemporaryPath { state in
            let log = try TestLog(size: 5)
            let fork = try TestLog(signer: log.signer, tag: "fork", size: 5)
            var longerFork = fork
            longerFork.append(3)
            try await RunningWitness.with(logs: [log.signer], state: state) { [longerFork] running in
                let client = running.client()
                try await Self.submit(log, to: client)
                // Same size, another root: the spec's second 409, without a size to prove from.
                await Self.expectRefused(409) { try await Self.add(fork, oldSize: 5, to: client) }
                await Self.expectRefused(409) { try await Self.submit(fork, to: client) }
                // Larger, with the fork's own proof from 5: it does not lead from the cosigned root.
                await Self.expectRefused(422) { try await Self.add(longerFork, oldSize: 5, to: client) }
                #expect(await running.witness.latestCheckpoint(origin: log.origin) == (try log.checkpoint()))
                Self.expectCosigned(try await Self.add(log, oldSize: 5, to: client))
            }
        }
    }

    @Test func aRollbackIsRefused() async throws {
        try await withTemporaryPath { state in
            let old = try TestLog(size: 6)
            var log = old
            log.append(4)
            try await RunningWitness.with(logs: [log.signer], state: state) { [log] running in
                let client = running.client()
                try await Self.submit(log, to: client)
                // Proving from the witness's size to a smaller tree: the old size is beyond the checkpoint.
                await Self.expectRefused(400) { try await Self.add(old, oldSize: 10, proof: [], to: client) }
                // Proving from the smaller size: a conflict, and the client sees the witness is ahead.
                #expect(try await Self.add(old, oldSize: 6, to: client) == .sizeConflict(witnessSize: 10))
                await #expect(throws: WitnessClientError.witnessAhead(witnessSize: 10, checkpointSize: 6)) {
                    try await Self.submit(old, to: client)
                }
                #expect(await running.witness.latestCheckpoint(origin: log.origin) == (try log.checkpoint()))
            }
        }
    }

    @Test func checkpointsOfUnknownLogsOrKeysAreRefused() async throws {
        try await withTemporaryPath { state in
            let log = try TestLog(size: 4)
            let impostor = try TestLog(origin: log.origin, size: 4)
            let stranger = try TestLog(origin: "stranger.test/log", size: 4)
            try await RunningWitness.with(logs: [log.signer], state: state) { running in
                let client = running.client()
                await Self.expectRefused(403) { try await Self.submit(impostor, to: client) }
                await Self.expectRefused(404) { try await Self.submit(stranger, to: client) }
                // The log's signature next to a bad one by its key: signed-note says reject the note.
                let otherText = try log.signer.sign("another text\n")
                let badLine = String(otherText[otherText.range(of: "\n\n")!.upperBound...])
                let note = try log.signedCheckpoint() + badLine
                await Self.expectRefused(403) {
                    try await client.addCheckpoint(AddCheckpointRequest(oldSize: 0, proof: [], signedCheckpoint: note))
                }
                #expect(await running.witness.latestCheckpoint(origin: log.origin) == nil)
            }
        }
    }

    @Test func missingWrongOrGarbledProofsAreRefused() async throws {
        try await withTemporaryPath { state in
            let initial = try TestLog(size: 4)
            try await RunningWitness.with(logs: [initial.signer], state: state) { running in
                var log = initial
                let client = running.client()
                try await Self.submit(log, to: client)
                log.append(5)
                let proof = try log.consistencyProof(from: 4, to: 9)
                await Self.expectRefused(422) { try await Self.add(log, oldSize: 4, proof: [], to: client) }
                await Self.expectRefused(422) { try await Self.add(log, oldSize: 4, proof: proof.dropLast(), to: client) }
                await Self.expectRefused(422) { try await Self.add(log, oldSize: 4, proof: proof + [MerkleHasher.emptyRoot], to: client) }
                await Self.expectRefused(422) { try await Self.add(log, oldSize: 4, proof: [MerkleHasher.emptyRoot] + proof.dropFirst(), to: client) }

                let body = try String(decoding: AddCheckpointRequest(oldSize: 4, proof: proof, signedCheckpoint: log.signedCheckpoint()).body, as: UTF8.self)
                let garbled = body.replacingOccurrences(of: proof[0].base64, with: String(proof[0].base64.dropLast(2)))
                let response = try await running.post(Array(garbled.utf8))
                #expect(response.status == 400)
                Self.expectCosigned(try await Self.add(log, oldSize: 4, proof: proof, to: client))
            }
        }
    }

    @Test func aProofFromZeroMustBeEmpty() async throws {
        try await withTemporaryPath { state in
            let log = try TestLog(size: 4)
            try await RunningWitness.with(logs: [log.signer], state: state) { running in
                await Self.expectRefused(422) { try await Self.add(log, oldSize: 0, proof: [MerkleHasher.emptyRoot], to: running.client()) }
                #expect(await running.witness.latestCheckpoint(origin: log.origin) == nil)
            }
        }
    }

    @Test func aClientThatDoesNotKnowTheSizeProvesFromTheOneTheWitnessNames() async throws {
        try await withTemporaryPath { state in
            let initial = try TestLog(size: 7)
            try await RunningWitness.with(logs: [initial.signer], state: state) { running in
                var log = initial
                try await Self.submit(log, to: running.client())
                log.append(5)
                let client = running.client()
                let asked = Asked()
                let snapshot = log
                let cosignature = try await client.submit(try log.signedCheckpoint()) { from, to in
                    await asked.record(from, to)
                    return try snapshot.consistencyProof(from: from, to: to)
                }
                #expect(await asked.pairs == [Asked.Pair(from: 7, to: 12)])
                #expect(try running.verifier.cosignature(in: log.signedCheckpoint() + cosignature.line) == cosignature)
                #expect(await client.witnessSize == 12)
            }
        }
    }

    @Test func aCosignatureByAnotherKeyThanTheWitnessesIsNotAccepted() async throws {
        try await withTemporaryPath { state in
            let log = try TestLog(size: 3)
            try await RunningWitness.with(logs: [log.signer], state: state) { running in
                let expected = try CosignatureSigner(name: "witness.test/w1", privateKey: Curve25519.Signing.PrivateKey())
                let client = WitnessClient(url: running.url, verifier: try CosignatureVerifier(verifierKey: expected.verifierKey), http: RunningWitness.http)
                await #expect(throws: WitnessClientError.invalidCosignature(.missingSignature(keyName: expected.name, keyID: expected.keyID))) {
                    try await Self.submit(log, to: client)
                }
            }
        }
    }

    @Test func concurrentSubmissionsFromOneSizeAreCosignedOnce() async throws {
        try await withTemporaryPath { state in
            let base = try TestLog(size: 3)
            try await RunningWitness.with(logs: [base.signer], state: state) { running in
                try await Self.submit(base, to: running.client())
                let answers = try await withThrowingTaskGroup(of: WitnessAnswer.self) { group in
                    for growth in 1...12 {
                        var log = base
                        log.append(growth)
                        group.addTask { [log] in try await Self.add(log, oldSize: 3, to: running.client()) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let cosigned = answers.filter { if case .cosigned = $0 { true } else { false } }
                #expect(cosigned.count == 1)
                let winner = try #require(await running.witness.latestCheckpoint(origin: base.origin))
                #expect(answers.filter { $0 == .sizeConflict(witnessSize: winner.size) }.count == 11)
            }
        }
    }

    @Test func theStateSurvivesARestart() async throws {
        try await withTemporaryPath { state in
            var log = try TestLog(size: 6)
            let fork = try TestLog(signer: log.signer, tag: "fork", size: 6)
            let signer = try CosignatureSigner(name: "witness.test/w1", privateKey: Curve25519.Signing.PrivateKey())
            try await RunningWitness.with(logs: [log.signer], state: state, signer: signer) { [log] running in
                try await Self.submit(log, to: running.client())
            }
            log.append(2)
            try await RunningWitness.with(logs: [log.signer], state: state, signer: signer) { [log] running in
                #expect(await running.witness.latestCheckpoint(origin: log.origin)?.size == 6)
                await Self.expectRefused(409) { try await Self.submit(fork, to: running.client()) }
                let client = running.client()
                #expect(try await Self.add(log, oldSize: 0, to: client) == .sizeConflict(witnessSize: 6))
                try await Self.submit(log, to: client)
                #expect(await client.witnessSize == 8)
            }
        }
    }

    @Test func theStateIsOnDiskWhenTheAnswerArrives() async throws {
        try await withTemporaryPath { state in
            let initial = try TestLog(size: 2)
            try await RunningWitness.with(logs: [initial.signer], state: state) { running in
                var log = initial
                let client = running.client()
                for _ in 0..<3 {
                    var grown = log
                    grown.append(3)
                    try await Self.submit(grown, to: client)
                    // Read straight from disk, as a witness restarted at this instant would.
                    let files = try FileManager.default.contentsOfDirectory(atPath: state)
                    #expect(files == [Self.stateFile(grown.origin)])
                    let saved = try String(contentsOfFile: state + "/" + Self.stateFile(grown.origin), encoding: .utf8)
                    #expect(saved == (try grown.checkpoint().body))
                    log = grown
                }
            }
        }
    }

    @Test func nothingIsCosignedUnlessTheStateIsSaved() async throws {
        try await withTemporaryPath { state in
            let log = try TestLog(size: 2)
            try await RunningWitness.with(logs: [log.signer], state: state) { running in
                let client = running.client()
                try await Self.submit(log, to: client)
                // A directory where the temporary file goes: creating it fails, even for root.
                let blocker = state + "/" + Self.stateFile(log.origin) + ".tmp"
                try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
                var grown = log
                grown.append(4)
                await Self.expectRefused(500) { try await Self.submit(grown, to: client) }
                #expect(await running.witness.latestCheckpoint(origin: log.origin) == (try log.checkpoint()))
                try FileManager.default.removeItem(atPath: blocker)
                Self.expectCosigned(try await Self.add(grown, oldSize: 2, to: client))
            }
        }
    }

    static func expectCosigned(_ answer: WitnessAnswer, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .cosigned = answer else {
            Issue.record("\(answer) is not a cosignature", sourceLocation: sourceLocation)
            return
        }
    }

    /// The naming the witness documents: SHA-256 of the origin in hex.
    static func stateFile(_ origin: String) -> String {
        Hash(sha256Of: Array(origin.utf8)).hex + ".checkpoint"
    }

    actor Asked {
        struct Pair: Equatable { let from: UInt64; let to: UInt64 }
        private(set) var pairs: [Pair] = []
        func record(_ from: UInt64, _ to: UInt64) { pairs.append(Pair(from: from, to: to)) }
    }
}
