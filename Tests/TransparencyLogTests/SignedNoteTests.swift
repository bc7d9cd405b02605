import Crypto
import Foundation
import Testing
import TransparencyLog
import TestSupport

/// The example keys and notes of golang.org/x/mod/sumdb/note (note_test.go), the reference
/// implementation of C2SP signed-note.
@Suite("C2SP signed-note", .sameOnEveryBackend)
struct SignedNoteTests {
    static let peterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    /// Go's private key encoding: PRIVATE+KEY+<name>+<key ID>+base64(0x01 || Ed25519 seed).
    static let peterPrivateKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let enochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterSignature = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochSignature = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
    static let note = text + "\n" + peterSignature

    /// CryptoKit, behind swift-crypto on Apple platforms, randomizes Ed25519 signatures;
    /// BoringSSL, behind it on Linux, follows RFC 8032 and is deterministic.
    static let signaturesAreDeterministic: Bool = {
        let key = Curve25519.Signing.PrivateKey()
        return (try? key.signature(for: [1])) == (try? key.signature(for: [1]))
    }()

    static func peterSigner() throws -> NoteSigner {
        // The base64 field may itself contain "+", so split off only the four fields before it.
        let encoded = try #require(peterPrivateKey.split(separator: "+", maxSplits: 4).last)
        let decoded = try #require(Data(base64Encoded: String(encoded)))
        #expect(decoded.first == 0x01)
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: decoded.dropFirst())
        return try NoteSigner(name: "PeterNeumann", privateKey: privateKey)
    }

    @Test func opensTheReferenceNote() throws {
        let verifier = try NoteVerifier(verifierKey: Self.peterKey)
        #expect(verifier.name == "PeterNeumann")
        #expect(verifier.keyID == 0xc74f_20a3)
        #expect(try verifier.open(Self.note) == Self.text)
    }

    @Test func rejectsTheReferenceNoteWithAnyByteChanged() throws {
        let verifier = try NoteVerifier(verifierKey: Self.peterKey)
        let bytes = Array(Self.note.utf8)
        for position in bytes.indices {
            var changed = bytes
            changed[position] &+= 1
            let error = #expect(throws: NoteError.self, "byte \(position) changed") {
                try verifier.open(String(decoding: changed, as: UTF8.self))
            }
            // A changed character of the text breaks the signature; a changed line break may first
            // break the note's shape, and a changed signature line may name no key we know.
            let inText = position < Self.text.utf8.count && bytes[position] != UInt8(ascii: "\n")
            switch error {
            case .invalidSignature(keyName: "PeterNeumann", keyID: 0xc74f_20a3)?: break
            case .malformedNote? where !inText, .invalidText? where !inText, .missingSignature? where !inText: break
            default: Issue.record("byte \(position) changed: refused as \(String(describing: error))")
            }
        }
        #expect(throws: NoteError.invalidSignature(keyName: "PeterNeumann", keyID: 0xc74f_20a3)) {
            try verifier.open(Self.note.replacingOccurrences(of: "cryptography", with: "cryptographY"))
        }
    }

    @Test func signerDerivesTheReferenceVerifierKey() throws {
        let signer = try Self.peterSigner()
        #expect(signer.keyID == 0xc74f_20a3)
        #expect(signer.verifierKey == Self.peterKey)
        #expect(try NoteVerifier(verifierKey: Self.peterKey).open(signer.sign(Self.text)) == Self.text)
    }

    @Test(.enabled(if: signaturesAreDeterministic, "this platform's Ed25519 signatures are randomized"))
    func signerReproducesTheReferenceSignature() throws {
        #expect(try Self.peterSigner().sign(Self.text) == Self.note)
    }

    @Test func signaturesByOtherKeysAreIgnored() throws {
        let peter = try NoteVerifier(verifierKey: Self.peterKey)
        let enoch = try NoteVerifier(verifierKey: Self.enochKey)
        let both = Self.text + "\n" + Self.peterSignature + Self.enochSignature
        #expect(try peter.open(both) == Self.text)
        #expect(try enoch.open(both) == Self.text)
        #expect(try peter.open(Self.text + "\n" + Self.enochSignature + Self.peterSignature + Self.peterSignature) == Self.text)
        #expect(throws: NoteError.missingSignature(keyName: "PeterNeumann", keyID: 0xc74f_20a3)) {
            try peter.open(Self.text + "\n" + Self.enochSignature)
        }
        // Same name, another key ID: an unknown key, not a bad signature.
        let impostor = "\u{2014} PeterNeumann rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
        #expect(try peter.open(Self.note + impostor) == Self.text)
    }

    @Test func aBadSignatureByTheKeyRejectsTheNote() throws {
        let peter = try NoteVerifier(verifierKey: Self.peterKey)
        let signature = Array(Self.peterSignature.utf8)
        let garbled = String(decoding: signature[..<60] + Array("ABCD".utf8) + signature[60...], as: UTF8.self)
        #expect(throws: NoteError.invalidSignature(keyName: "PeterNeumann", keyID: 0xc74f_20a3)) {
            try peter.open(Self.text + "\n" + garbled)
        }
        // A good signature does not excuse a bad one by the same key.
        #expect(throws: NoteError.invalidSignature(keyName: "PeterNeumann", keyID: 0xc74f_20a3)) {
            try peter.open(Self.text + "\n" + Self.peterSignature + garbled)
        }
    }

    @Test(arguments: [
        text,
        text + "\n",
        text + "\n" + String(peterSignature.dropLast()),
        "\u{01}" + text + "\n" + peterSignature,
        text + "\n" + "\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text + "\n" + peterSignature + "Unexpected line.\n",
        text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text + "\n" + "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
        text + "\n" + "\u{2014} PeterNeumann AAAA\n",
        text + "\n" + "\u{2014} PeterNeumann \n",
        text + "\n" + peterSignature + "\n",
        text + "\n" + String(repeating: peterSignature, count: 101),
        text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n" + peterSignature,
    ])
    func malformedNotesAreRejected(note: String) throws {
        let peter = try NoteVerifier(verifierKey: Self.peterKey)
        let error = #expect(throws: NoteError.self) { try peter.open(note) }
        if case .malformedNote = error {} else { Issue.record("\(String(describing: error)) is not malformedNote") }
    }

    @Test func manyGoodSignaturesAreAccepted() throws {
        let peter = try NoteVerifier(verifierKey: Self.peterKey)
        #expect(try peter.open(Self.text + "\n" + String(repeating: Self.peterSignature, count: 100)) == Self.text)
    }

    /// Every proper substring of a verifier key, and every single-byte change, must be refused.
    /// Refused as a verifier key, never as anything a note could be refused for.
    static func expectKeyRefused(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: NoteError.self, sourceLocation: sourceLocation) { try NoteVerifier(verifierKey: key) }
        switch error {
        case .invalidKeyName?, .malformedVerifierKey?, .unsupportedAlgorithm?, .keyIDMismatch?: break
        default: Issue.record("\(key): refused as \(String(describing: error))", sourceLocation: sourceLocation)
        }
    }

    @Test func manglingsOfTheVerifierKeyAreRejected() {
        let key = Array(Self.peterKey.utf8)
        for start in key.indices {
            for end in (start + 1)...key.count where start != 0 || end != key.count {
                Self.expectKeyRefused(String(decoding: key[start..<end], as: UTF8.self))
            }
        }
        for position in key.indices {
            var changed = key
            changed[position] += 1
            Self.expectKeyRefused(String(decoding: changed, as: UTF8.self))
        }
        // From note_test.go: a key of the wrong length and an unknown algorithm, each with its key ID adjusted.
        #expect(throws: NoteError.malformedVerifierKey("key is not base64")) {
            try NoteVerifier(verifierKey: "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
        }
        #expect(throws: NoteError.malformedVerifierKey("an Ed25519 key is 32 bytes, got 34")) {
            try NoteVerifier(verifierKey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAAA=")
        }
        #expect(throws: NoteError.unsupportedAlgorithm(0x65)) {
            try NoteVerifier(verifierKey: "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        }
        #expect(throws: NoteError.keyIDMismatch(declared: 0xc74f_20a4, computed: 0xc74f_20a3)) {
            try NoteVerifier(verifierKey: "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        }
    }

    @Test(arguments: ["", "Peter Neumann", "Peter+Neumann", "Peter\tNeumann", "Peter\u{2003}Neumann", "Peter\u{01}"])
    func invalidKeyNamesAreRejected(name: String) {
        #expect(throws: NoteError.invalidKeyName(name)) {
            try NoteSigner(name: name, privateKey: Curve25519.Signing.PrivateKey())
        }
    }

    @Test func onlyNewlineTerminatedTextWithoutControlCharactersIsSigned() throws {
        let signer = try NoteSigner(name: "example.com/log", privateKey: Curve25519.Signing.PrivateKey())
        for text in ["", "abc"] {
            #expect(throws: NoteError.invalidText("it must be non-empty and end with a newline")) { try signer.sign(text) }
        }
        for text in ["a\rb\n", "a\u{0}\n"] {
            #expect(throws: NoteError.invalidText("it contains a control character other than newline")) { try signer.sign(text) }
        }
    }

    @Test func textWithBlankLinesAndNonASCIIRoundTrips() throws {
        let signer = try NoteSigner(name: "samtykke.example/log", privateKey: Curve25519.Signing.PrivateKey())
        let verifier = try NoteVerifier(verifierKey: signer.verifierKey)
        for text in ["\n", "a\n\nb\n", "samtykke\n\n\nsamtykke 🇳🇴 ø\n"] {
            #expect(try verifier.open(signer.sign(text)) == text)
        }
    }

    @Test func errorsNameTheKey() {
        #expect(NoteError.invalidSignature(keyName: "PeterNeumann", keyID: 0xc74f_20a3).description
            == "invalid signature for key PeterNeumann+c74f20a3")
        #expect(NoteError.missingSignature(keyName: "log", keyID: 0x0000_00ff).description
            == "note has no signature by key log+000000ff")
    }
}
