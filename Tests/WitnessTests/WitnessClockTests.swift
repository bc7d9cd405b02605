import Crypto
import Foundation
import Testing
import TransparencyLog
import Witness
import TestSupport

@Suite("The witness's clock", .sameOnEveryBackend)
struct WitnessClockTests {
    @Test func aTimeNoCosignatureCanHoldStoresNothing() async throws {
        try await withTemporaryPath { state in
            let log = try TestLog(size: 3)
            let signer = try CosignatureSigner(name: "witness.test/w1", privateKey: Curve25519.Signing.PrivateKey())
            let witness = try Witness(signer: signer, logs: [NoteVerifier(verifierKey: log.signer.verifierKey)], stateDirectory: state) { .max }
            let request = AddCheckpointRequest(oldSize: 0, proof: [], signedCheckpoint: try log.signedCheckpoint())
            let error = await #expect(throws: WitnessError.self) { try await witness.addCheckpoint(request) }
            if case .cosigningFailed = error {} else { Issue.record("\(String(describing: error)) is not cosigningFailed") }
            #expect(await witness.latestCheckpoint(origin: log.origin) == nil)
            #expect(try FileManager.default.contentsOfDirectory(atPath: state).isEmpty)
        }
    }

    @Test func cosignaturesCarryTheClocksTime() async throws {
        try await withTemporaryPath { state in
            let log = try TestLog(size: 3)
            let signer = try CosignatureSigner(name: "witness.test/w1", privateKey: Curve25519.Signing.PrivateKey())
            let witness = try Witness(signer: signer, logs: [NoteVerifier(verifierKey: log.signer.verifierKey)], stateDirectory: state) { 1_700_000_000 }
            let request = AddCheckpointRequest(oldSize: 0, proof: [], signedCheckpoint: try log.signedCheckpoint())
            #expect(try await witness.addCheckpoint(request).map(\.time) == [1_700_000_000])
        }
    }
}
