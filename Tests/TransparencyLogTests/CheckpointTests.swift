import Crypto
import Testing
import TransparencyLog
import TestSupport

@Suite("C2SP tlog-checkpoint", .sameOnEveryBackend)
struct CheckpointTests {
    /// The example body of the C2SP tlog-checkpoint specification.
    static let specBody = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

    @Test func parsesTheSpecExampleAndReproducesIt() throws {
        let checkpoint = try Checkpoint(parsing: Self.specBody)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(checkpoint.rootHash.base64 == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        #expect(checkpoint.body == Self.specBody)
    }

    @Test func emptyTree() throws {
        let checkpoint = try Checkpoint(origin: "samtykke.example/log", size: 0, rootHash: MerkleHasher.emptyRoot)
        #expect(checkpoint.body == "samtykke.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
        #expect(try Checkpoint(parsing: checkpoint.body) == checkpoint)
    }

    @Test func extensionLinesAreAllowedAndIgnored() throws {
        let checkpoint = try Checkpoint(parsing: Self.specBody + "extension one\nextension two\n")
        #expect(checkpoint == (try Checkpoint(parsing: Self.specBody)))
    }

    @Test(arguments: [
        ("example.com/log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", CheckpointError.missingFinalNewline),
        ("example.com/log\n1\n", .tooFewLines(2)),
        ("", .missingFinalNewline),
        ("\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .emptyLine(1)),
        (specBody + "\n", .emptyLine(4)),
        (specBody + "extension\n\n", .emptyLine(5)),
        ("example.com/log\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize("01")),
        ("example.com/log\n00\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize("00")),
        ("example.com/log\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize("+1")),
        ("example.com/log\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize("-1")),
        ("example.com/log\n 1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize(" 1")),
        ("example.com/log\n1.0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize("1.0")),
        ("example.com/log\n١\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize("١")),
        ("example.com/log\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidSize("18446744073709551616")),
        ("example.com/log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", .invalidRootHash("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I")),
        ("example.com/log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n", .invalidRootHash("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx")),
        ("example.com/log\n1\n\(String(repeating: "A", count: 42))==\n", .invalidRootHash(String(repeating: "A", count: 42) + "==")),
        ("example.com/log\n1\n\(String(repeating: "A", count: 44))\n", .invalidRootHash(String(repeating: "A", count: 44))),
        ("example.com/\tlog\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", .invalidOrigin("example.com/\tlog")),
    ] as [(String, CheckpointError)])
    func malformedBodiesAreRejected(body: String, error: CheckpointError) {
        #expect(throws: error) { try Checkpoint(parsing: body) }
    }

    @Test func originMustBeOneNonEmptyLine() {
        for origin in ["", "a\nb", "a\rb"] {
            #expect(throws: CheckpointError.invalidOrigin(origin)) {
                try Checkpoint(origin: origin, size: 1, rootHash: MerkleHasher.emptyRoot)
            }
        }
    }

    @Test func signAndOpen() throws {
        let signer = try NoteSigner(name: "samtykke.example/log", privateKey: Curve25519.Signing.PrivateKey())
        let verifier = try NoteVerifier(verifierKey: signer.verifierKey)
        var store = InMemorySubtreeStore()
        for entry in ["a", "b", "c"] {
            store.append(leafHash: MerkleHasher.leafHash(Array(entry.utf8)))
        }
        let checkpoint = try Checkpoint(
            origin: "samtykke.example/log", size: store.size, rootHash: MerkleTree.root(size: store.size, source: store)
        )
        let note = try signer.sign(checkpoint.body)
        #expect(note.hasPrefix(checkpoint.body + "\n\u{2014} samtykke.example/log "))
        #expect(try Checkpoint.open(note, verifier: verifier) == checkpoint)

        let otherLog = try NoteVerifier(
            verifierKey: NoteSigner(name: "samtykke.example/log", privateKey: Curve25519.Signing.PrivateKey()).verifierKey
        )
        #expect(throws: NoteError.missingSignature(keyName: "samtykke.example/log", keyID: otherLog.keyID)) {
            try Checkpoint.open(note, verifier: otherLog)
        }
    }

    @Test func errorsDescribeTheProblem() {
        #expect(CheckpointError.invalidSize("01").description.contains("\"01\""))
        #expect(CheckpointError.tooFewLines(2).description.contains("2 lines"))
    }
}
