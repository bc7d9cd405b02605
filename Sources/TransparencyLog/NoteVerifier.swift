import Crypto

/// Opens notes (C2SP signed-note) signed by one trusted Ed25519 key.
public struct NoteVerifier: Sendable {
    public let name: String
    public let keyID: UInt32
    private let publicKey: Curve25519.Signing.PublicKey

    /// Parses `<name>+<key ID as 8 hex digits>+<base64(0x01 || public key)>`, checking that the
    /// key ID is the one the name and key give, so a typo cannot silently match no signature.
    public init(verifierKey: String) throws {
        let parts = verifierKey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw NoteError.malformedVerifierKey("expected <name>+<key ID>+<key>") }
        guard NoteFormat.isValidKeyName(parts[0]) else { throw NoteError.invalidKeyName(String(parts[0])) }
        guard parts[1].utf8.count == 8, parts[1].allSatisfy(\.isHexDigit), let declaredID = UInt32(parts[1], radix: 16) else {
            throw NoteError.malformedVerifierKey("key ID \(String(reflecting: String(parts[1]))) is not 8 hexadecimal digits")
        }
        guard let key = StrictBase64.decode(parts[2]), let algorithm = key.first else {
            throw NoteError.malformedVerifierKey("key is not base64")
        }
        guard algorithm == NoteFormat.ed25519Algorithm else { throw NoteError.unsupportedAlgorithm(algorithm) }
        guard key.count == 33, let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.dropFirst()) else {
            throw NoteError.malformedVerifierKey("an Ed25519 key is 32 bytes, got \(key.count - 1)")
        }
        name = String(parts[0])
        self.publicKey = publicKey
        keyID = NoteFormat.keyID(name: name, publicKey: publicKey)
        guard keyID == declaredID else { throw NoteError.keyIDMismatch(declared: declaredID, computed: keyID) }
    }

    /// The text of `signedNote`, once a signature by this key verifies over it.
    ///
    /// Signature lines of other keys are ignored, as the spec requires (they may be witness
    /// cosignatures or a rotated key); a line of this key that does not verify rejects the note.
    public func open(_ signedNote: String) throws -> String {
        let bytes = Array(signedNote.utf8)
        guard !NoteFormat.containsControlCharacter(bytes) else {
            throw NoteError.malformedNote("it contains a control character other than newline")
        }
        guard bytes.last == 0x0A else { throw NoteError.malformedNote("it does not end with a newline") }
        // The text may itself contain blank lines: the last one separates it from the signatures.
        guard let blankLine = bytes.indices.dropLast().last(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw NoteError.malformedNote("the text is not followed by a blank line")
        }
        let text = bytes[...blankLine]
        let lines = bytes[(blankLine + 2)...].split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        guard !lines.isEmpty else { throw NoteError.malformedNote("it has no signature lines") }
        guard lines.count <= NoteFormat.maximumSignatures else {
            throw NoteError.malformedNote("more than \(NoteFormat.maximumSignatures) signature lines")
        }

        var verified = false
        for line in lines {
            let (lineName, lineKeyID, signature) = try parseSignatureLine(line)
            guard lineName == name, lineKeyID == keyID else { continue }
            guard publicKey.isValidSignature(signature, for: text) else {
                throw NoteError.invalidSignature(keyName: name, keyID: keyID)
            }
            verified = true
        }
        guard verified else { throw NoteError.missingSignature(keyName: name, keyID: keyID) }
        return String(decoding: text, as: UTF8.self)
    }

    /// `— <name> <base64(key ID || signature)>`, without its newline.
    private func parseSignatureLine(_ line: ArraySlice<UInt8>) throws -> (name: String, keyID: UInt32, signature: [UInt8]) {
        guard line.starts(with: NoteFormat.signaturePrefix) else {
            throw NoteError.malformedNote("a signature line does not start with an em dash and a space")
        }
        let fields = line.dropFirst(NoteFormat.signaturePrefix.count).split(separator: 0x20, omittingEmptySubsequences: false)
        let lineName = String(decoding: fields[0], as: UTF8.self)
        guard fields.count == 2, NoteFormat.isValidKeyName(lineName) else {
            throw NoteError.malformedNote("a signature line is not '— <key name> <signature>'")
        }
        guard let blob = StrictBase64.decode(String(decoding: fields[1], as: UTF8.self)), blob.count > 4 else {
            throw NoteError.malformedNote("a signature of \(lineName) is not base64 of a key ID and a signature")
        }
        let lineKeyID = blob.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
        return (lineName, lineKeyID, Array(blob.dropFirst(4)))
    }
}
