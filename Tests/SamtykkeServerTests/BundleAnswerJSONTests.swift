import Foundation
import SamtykkeAPI
import Testing
import TestSupport
@testable import SamtykkeServer

/// The bundle answer is written by hand for speed; it must be the bytes every other answer's
/// encoder writes, so banks that compare or hash answers see no difference.
@Suite(.sameOnEveryBackend) struct BundleAnswerJSONTests {
    @Test func itIsWhatJSONIOWritesWhateverTheStringsHold() throws {
        let answer = BundleAnswer(
            bundle: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
            auditReceipt: BundleAnswer.Receipt(
                index: 9_007_199_254_740_991, entry: "a+b/c==", treeSize: 0, inclusionProof: [],
                checkpoint: "samtykke.example/log\n1\nq\"u\\o/te\t\n\n— æøå 🙂\u{01}\n"
            )
        )
        #expect(try answer.json() == JSONIO.bytes(answer))
        let proofs = BundleAnswer(bundle: "", auditReceipt: BundleAnswer.Receipt(index: 3, entry: "", treeSize: 7, inclusionProof: ["x/y+", "", "z="], checkpoint: ""))
        #expect(try proofs.json() == JSONIO.bytes(proofs))
    }

    /// An index past what a JSON number carries exactly is refused, never rounded.
    @Test func anIndexBeyondTwoToTheFiftyThreeIsRefused() {
        let answer = BundleAnswer(bundle: "", auditReceipt: BundleAnswer.Receipt(index: 1 << 53, entry: "", treeSize: 1 << 53, inclusionProof: [], checkpoint: ""))
        #expect(throws: (any Error).self) { try answer.json() }
    }
}
