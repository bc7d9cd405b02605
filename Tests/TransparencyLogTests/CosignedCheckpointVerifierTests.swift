import Crypto
import Testing
import TransparencyLog
import TestSupport

@Suite("Checkpoints with the log's signature and witness cosignatures", .sameOnEveryBackend)
struct CosignedCheckpointVerifierTests {
    let log: NoteSigner
    let first: CosignatureSigner
    let second: CosignatureSigner
    let body = CheckpointTests.specBody

    init() throws {
        log = try NoteSigner(name: "example.com/behind-the-sofa", privateKey: Curve25519.Signing.PrivateKey())
        first = try CosignatureSigner(name: "witness.example/w1", privateKey: Curve25519.Signing.PrivateKey())
        second = try CosignatureSigner(name: "witness.example/w2", privateKey: Curve25519.Signing.PrivateKey())
    }

    func verifier(_ witnesses: CosignatureSigner...) throws -> CosignedCheckpointVerifier {
        CosignedCheckpointVerifier(
            log: try NoteVerifier(verifierKey: log.verifierKey),
            witnesses: try witnesses.map { try CosignatureVerifier(verifierKey: $0.verifierKey) }
        )
    }

    @Test func everyWitnessAndTheLogVerifyWhateverTheOrderAndUnknownLines() throws {
        let stranger = try CosignatureSigner(name: "witness.example/stranger", privateKey: Curve25519.Signing.PrivateKey())
        let note = try log.sign(body) + second.cosign(body, time: 20).line + stranger.cosign(body, time: 5).line
            + first.cosign(body, time: 10).line
        let verified = try verifier(first, second).verify(note)
        #expect(verified.checkpoint == (try Checkpoint(parsing: body)))
        #expect(verified.cosignatures.map(\.keyName) == ["witness.example/w1", "witness.example/w2"])
        #expect(verified.cosignatures.map(\.time) == [10, 20])
        #expect(try verifier().verify(note).cosignatures.isEmpty)
    }

    @Test func aMissingWitnessRejectsTheNote() throws {
        let note = try log.sign(body) + first.cosign(body, time: 10).line
        #expect(throws: NoteError.missingSignature(keyName: second.name, keyID: second.keyID)) {
            try verifier(first, second).verify(note)
        }
    }

    @Test func cosignaturesWithoutTheLogsSignatureAreRejected() throws {
        let note = try body + "\n" + first.cosign(body, time: 10).line
        #expect(throws: NoteError.missingSignature(keyName: log.name, keyID: log.keyID)) {
            try verifier(first).verify(note)
        }
    }

    @Test func aCosignatureOfAnotherCheckpointIsRejected() throws {
        let other = body.replacingOccurrences(of: "20852163", with: "20852162")
        let note = try log.sign(body) + first.cosign(other, time: 10).line
        #expect(throws: NoteError.invalidSignature(keyName: first.name, keyID: first.keyID)) {
            try verifier(first).verify(note)
        }
    }
}
