import Testing
import TransparencyLog
import Witness
import TestSupport

@Suite("tlog-witness add-checkpoint bodies", .sameOnEveryBackend)
struct AddCheckpointRequestTests {
    static let checkpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    static let proofLines = [
        "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=", "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
        "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=", "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=",
    ]
    /// The example request of the tlog-witness spec.
    static let specBody = "old 20852014\n" + proofLines.map { $0 + "\n" }.joined() + "\n" + checkpoint

    @Test func parsesAndReproducesTheSpecExample() throws {
        let request = try AddCheckpointRequest(parsing: Array(Self.specBody.utf8))
        #expect(request.oldSize == 20_852_014)
        #expect(request.proof.map(\.base64) == Self.proofLines)
        #expect(request.signedCheckpoint == Self.checkpoint)
        #expect(request.body == Array(Self.specBody.utf8))
    }

    @Test func anEmptyProofFromZero() throws {
        let body = "old 0\n\n" + Self.checkpoint
        let request = try AddCheckpointRequest(parsing: Array(body.utf8))
        #expect(request == AddCheckpointRequest(oldSize: 0, proof: [], signedCheckpoint: Self.checkpoint))
        #expect(request.body == Array(body.utf8))
    }

    @Test(arguments: [
        "",
        "old 5",
        "old 5\n",
        "old 05\n\n" + checkpoint,
        "old -1\n\n" + checkpoint,
        "old  5\n\n" + checkpoint,
        "Old 5\n\n" + checkpoint,
        "old 18446744073709551616\n\n" + checkpoint,
        "old 5\n" + proofLines[0] + "\n",
        "old 5\n" + proofLines[0] + "\n\n",
        "old 5\n" + proofLines[0].dropLast() + "\n\n" + checkpoint,
        "old 5\n" + proofLines[0] + " \n\n" + checkpoint,
        "old 5\r\n\n" + checkpoint,
        "old 5\n" + String(repeating: proofLines[0] + "\n", count: 64) + "\n" + checkpoint,
    ])
    func malformedBodiesAreRefused(body: String) {
        let error = #expect(throws: WitnessError.self) { try AddCheckpointRequest(parsing: Array(body.utf8)) }
        if case .malformedRequest = error {} else { Issue.record("\(String(describing: error)) is not malformedRequest") }
    }

    @Test func sixtyThreeProofLinesAreAllowed() throws {
        let body = "old 5\n" + String(repeating: Self.proofLines[0] + "\n", count: 63) + "\n" + Self.checkpoint
        #expect(try AddCheckpointRequest(parsing: Array(body.utf8)).proof.count == 63)
    }

    @Test func bytesThatAreNotUTF8AreRefused() {
        #expect(throws: WitnessError.malformedRequest("the body is not UTF-8")) {
            try AddCheckpointRequest(parsing: Array("old 0\n\n".utf8) + [0xff, 0x0a])
        }
    }
}
