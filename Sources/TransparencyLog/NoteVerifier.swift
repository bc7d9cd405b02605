import Crypto

/// Opens notes (C2SP signed-note) signed by one trusted Ed25519 key.
public struct NoteVerifier: Sendable {
    public let name: String
    public let keyID: UInt32
    private let publicKey: Curve25519.Signing.PublicKey

    /// Parses `<name>+<key ID as 8 hex digits>+<base64(0x01 || public key)>`, checking that the
    /// key ID is the one the name and key give, so a typo cannot silently match no signature.
    public init(verifierKey: String) throws {
        (name, keyID, publicKey) = try NoteFormat.parseVerifierKey(verifierKey, algorithm: NoteFormat.ed25519Algorithm)
    }

    /// The text of `signedNote`, once a signature by this key verifies over it.
    public func open(_ signedNote: String) throws -> String {
        try open(SignedNote(parsing: signedNote))
    }

    /// The text of `note`, once a signature by this key verifies over it.
    ///
    /// Signature lines of other keys are ignored, as the spec requires (they may be witness
    /// cosignatures or a rotated key); a line of this key that does not verify rejects the note.
    public func open(_ note: SignedNote) throws -> String {
        let text = Array(note.text.utf8)
        var verified = false
        for signature in note.signatures where signature.isBy(name: name, keyID: keyID) {
            guard publicKey.isValidSignature(signature.signature, for: text) else {
                throw NoteError.invalidSignature(keyName: name, keyID: keyID)
            }
            verified = true
        }
        guard verified else { throw NoteError.missingSignature(keyName: name, keyID: keyID) }
        return note.text
    }
}
