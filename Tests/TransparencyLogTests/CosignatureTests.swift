import Crypto
import Foundation
import Testing
import TransparencyLog
import TestSupport

/// C2SP tlog-cosignature `cosignature/v1`. The known answer was computed apart from this code, with
/// Python's `cryptography` (OpenSSL): seed 0x00…0x1f, name witness.example/w1, the tlog-checkpoint
/// spec's example body, time 1679315147 (the time in the spec's own example cosignature).
@Suite("C2SP tlog-cosignature", .sameOnEveryBackend)
struct CosignatureTests {
    static let seed = Array(0..<32 as Range<UInt8>)
    static let name = "witness.example/w1"
    static let verifierKey = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    static let time: UInt64 = 1_679_315_147
    static let body = CheckpointTests.specBody
    static let line =
        "\u{2014} witness.example/w1 519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/l73euDMQ9k+bBQ==\n"

    static func knownSigner() throws -> CosignatureSigner {
        try CosignatureSigner(name: name, privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: seed))
    }

    /// `line` with its base64 blob decoded, changed by `change`, and encoded again.
    static func mangled(_ line: String, _ change: (inout [UInt8]) -> Void) throws -> String {
        let parts = line.dropLast().split(separator: " ")
        var blob = try #require(Data(base64Encoded: String(parts[2])).map(Array.init))
        change(&blob)
        return "\(parts[0]) \(parts[1]) \(Data(blob).base64EncodedString())\n"
    }

    @Test func signerDerivesTheKnownVerifierKey() throws {
        let signer = try Self.knownSigner()
        #expect(signer.keyID == 0xe75f_6532)
        #expect(signer.verifierKey == Self.verifierKey)
        let verifier = try CosignatureVerifier(verifierKey: Self.verifierKey)
        #expect(verifier.name == Self.name)
        #expect(verifier.keyID == 0xe75f_6532)
    }

    @Test(.enabled(if: SignedNoteTests.signaturesAreDeterministic, "this platform's Ed25519 signatures are randomized"))
    func signerReproducesTheKnownLine() throws {
        #expect(try Self.knownSigner().cosign(Self.body, time: Self.time).line == Self.line)
    }

    @Test func verifierAcceptsTheKnownLineAmongOthers() throws {
        let log = try NoteSigner(name: "example.com/behind-the-sofa", privateKey: Curve25519.Signing.PrivateKey())
        let other = try CosignatureSigner(name: "witness.example/w2", privateKey: Curve25519.Signing.PrivateKey())
        let note = try log.sign(Self.body) + other.cosign(Self.body, time: 1).line + Self.line
        let cosignature = try CosignatureVerifier(verifierKey: Self.verifierKey).cosignature(in: note)
        #expect(cosignature.keyName == Self.name)
        #expect(cosignature.keyID == 0xe75f_6532)
        #expect(cosignature.time == Self.time)
        #expect(cosignature.line == Self.line)
    }

    @Test func aLineByAnotherKeyIsIgnored() throws {
        let note = Self.body + "\n" + Self.line
        // Same name, another key: another key ID, so an unknown key, not a bad signature.
        let impostor = try CosignatureSigner(name: Self.name, privateKey: Curve25519.Signing.PrivateKey())
        let verifier = try CosignatureVerifier(verifierKey: impostor.verifierKey)
        #expect(throws: NoteError.missingSignature(keyName: Self.name, keyID: impostor.keyID)) {
            try verifier.cosignature(in: note)
        }
    }

    @Test func aWitnessThatNeverSignedIsMissing() throws {
        let log = try NoteSigner(name: "example.com/behind-the-sofa", privateKey: Curve25519.Signing.PrivateKey())
        let absent = try CosignatureSigner(name: "witness.example/absent", privateKey: Curve25519.Signing.PrivateKey())
        #expect(throws: NoteError.missingSignature(keyName: absent.name, keyID: absent.keyID)) {
            try CosignatureVerifier(verifierKey: absent.verifierKey).cosignature(in: log.sign(Self.body) + Self.line)
        }
    }

    @Test func aLineInTheWitnessNameAndKeyIDSignedByAnotherKeyIsRejected() throws {
        let forger = try CosignatureSigner(name: Self.name, privateKey: Curve25519.Signing.PrivateKey())
        let forged = try Self.mangled(forger.cosign(Self.body, time: Self.time).line) { blob in
            blob.replaceSubrange(0..<4, with: [0xe7, 0x5f, 0x65, 0x32])
        }
        #expect(throws: NoteError.invalidSignature(keyName: Self.name, keyID: 0xe75f_6532)) {
            try CosignatureVerifier(verifierKey: Self.verifierKey).cosignature(in: Self.body + "\n" + forged)
        }
    }

    /// Over the known line, and over one this signer makes, so a signer and verifier that both
    /// left the time out of the message would be caught too.
    @Test func changedTimeBytesAreRejected() throws {
        let verifier = try CosignatureVerifier(verifierKey: Self.verifierKey)
        for line in [Self.line, try Self.knownSigner().cosign(Self.body, time: 1_700_000_000).line] {
            for position in 4..<12 {
                let changed = try Self.mangled(line) { $0[position] ^= 0x01 }
                let error = #expect(throws: NoteError.self, "time byte \(position - 4) changed") {
                    try verifier.cosignature(in: Self.body + "\n" + changed)
                }
                #expect(error == .invalidSignature(keyName: Self.name, keyID: 0xe75f_6532))
            }
        }
    }

    @Test func aTamperedBodyIsRejected() throws {
        let verifier = try CosignatureVerifier(verifierKey: Self.verifierKey)
        let tampered = [
            Self.body.replacingOccurrences(of: "20852163", with: "20852164"),
            Self.body.replacingOccurrences(of: "behind-the-sofa", with: "behind-the-sofb"),
            Self.body + "an extension line\n",
        ]
        for body in tampered {
            #expect(throws: NoteError.invalidSignature(keyName: Self.name, keyID: 0xe75f_6532)) {
                try verifier.cosignature(in: body + "\n" + Self.line)
            }
        }
    }

    @Test func aTruncatedOrPaddedSignatureIsRejected() throws {
        let verifier = try CosignatureVerifier(verifierKey: Self.verifierKey)
        let changes: [(inout [UInt8]) -> Void] = [{ $0.removeLast() }, { $0.append(0) }, { $0.removeLast(64) }]
        for change in changes {
            #expect(throws: NoteError.invalidSignature(keyName: Self.name, keyID: 0xe75f_6532)) {
                try verifier.cosignature(in: Self.body + "\n" + Self.mangled(Self.line, change))
            }
        }
    }

    @Test func extensionLinesAreCosigned() throws {
        let signer = try CosignatureSigner(name: Self.name, privateKey: Curve25519.Signing.PrivateKey())
        let text = Self.body + "an extension line\n"
        let line = try signer.cosign(text, time: Self.time).line
        let verifier = try CosignatureVerifier(verifierKey: signer.verifierKey)
        #expect(try verifier.cosignature(in: text + "\n" + line).time == Self.time)
        #expect(throws: NoteError.invalidSignature(keyName: Self.name, keyID: signer.keyID)) {
            try verifier.cosignature(in: Self.body + "\n" + line)
        }
    }

    @Test func timesBeyondInt64AreRefused() throws {
        let signer = try Self.knownSigner()
        let late = UInt64(Int64.max) + 1
        #expect(throws: NoteError.invalidText("the time \(late) is beyond 2^63 - 1")) { try signer.cosign(Self.body, time: late) }
        // Signed as the spec spells it, so only the time's range is wrong.
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: Self.seed)
        let signature = try privateKey.signature(for: Array("cosignature/v1\ntime \(late)\n\(Self.body)".utf8))
        let blob = [0xe7, 0x5f, 0x65, 0x32] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: late >> (8 * $0)) } + Array(signature)
        let line = "\u{2014} \(Self.name) \(Data(blob).base64EncodedString())\n"
        #expect(throws: NoteError.invalidSignature(keyName: Self.name, keyID: 0xe75f_6532)) {
            try CosignatureVerifier(verifierKey: Self.verifierKey).cosignature(in: Self.body + "\n" + line)
        }
    }

    /// The key ID's type byte keeps one Ed25519 key from standing for both kinds of signature.
    @Test func noteKeysAndCosignatureKeysAreNotInterchangeable() throws {
        let privateKey = Curve25519.Signing.PrivateKey()
        let noteSigner = try NoteSigner(name: Self.name, privateKey: privateKey)
        let cosigner = try CosignatureSigner(name: Self.name, privateKey: privateKey)
        #expect(noteSigner.keyID != cosigner.keyID)
        #expect(throws: NoteError.unsupportedAlgorithm(0x01)) { try CosignatureVerifier(verifierKey: noteSigner.verifierKey) }
        #expect(throws: NoteError.unsupportedAlgorithm(0x04)) { try NoteVerifier(verifierKey: cosigner.verifierKey) }
        let cosignedOnly = try Self.body + "\n" + cosigner.cosign(Self.body, time: Self.time).line
        #expect(throws: NoteError.missingSignature(keyName: Self.name, keyID: noteSigner.keyID)) {
            try NoteVerifier(verifierKey: noteSigner.verifierKey).open(cosignedOnly)
        }
        #expect(throws: NoteError.missingSignature(keyName: Self.name, keyID: cosigner.keyID)) {
            try CosignatureVerifier(verifierKey: cosigner.verifierKey).cosignature(in: noteSigner.sign(Self.body))
        }
    }

    @Test func theKeyIDInTheVerifierKeyMustMatch() {
        #expect(throws: NoteError.keyIDMismatch(declared: 0xe75f_6533, computed: 0xe75f_6532)) {
            try CosignatureVerifier(verifierKey: Self.verifierKey.replacingOccurrences(of: "e75f6532", with: "e75f6533"))
        }
    }
}
