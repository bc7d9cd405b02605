import Crypto

/// Checks one witness's C2SP tlog-cosignature `cosignature/v1` (Ed25519) on a checkpoint note.
public struct CosignatureVerifier: Sendable {
    public let name: String
    public let keyID: UInt32
    private let publicKey: Curve25519.Signing.PublicKey

    /// Parses `<name>+<key ID as 8 hex digits>+<base64(0x04 || public key)>`; a note key (0x01)
    /// is refused, as is a key ID that does not belong to the name and key.
    public init(verifierKey: String) throws {
        (name, keyID, publicKey) = try NoteFormat.parseVerifierKey(verifierKey, algorithm: NoteFormat.cosignatureAlgorithm)
    }

    public func cosignature(in signedNote: String) throws -> Cosignature {
        try cosignature(in: SignedNote(parsing: signedNote))
    }

    /// This witness's newest cosignature over the note's text.
    ///
    /// Lines of other keys are ignored, as signed-note requires, so the log's own signature and
    /// other witnesses' lines may be there; a line of this key that does not verify rejects the
    /// note, and so does the absence of any.
    public func cosignature(in note: SignedNote) throws -> Cosignature {
        var newest: Cosignature?
        for line in note.signatures where line.isBy(name: name, keyID: keyID) {
            let cosignature = try Cosignature(line)
            guard publicKey.isValidSignature(cosignature.signature, for: Cosignature.message(for: note.text, time: cosignature.time)) else {
                throw NoteError.invalidSignature(keyName: name, keyID: keyID)
            }
            if cosignature.time >= newest?.time ?? 0 { newest = cosignature }
        }
        guard let newest else { throw NoteError.missingSignature(keyName: name, keyID: keyID) }
        return newest
    }
}
