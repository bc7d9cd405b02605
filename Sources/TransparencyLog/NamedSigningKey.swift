import Crypto

/// An Ed25519 private key with the name and key ID signed-note gives it for one signature type.
struct NamedSigningKey: Sendable {
    let name: String
    let algorithm: UInt8
    let keyID: UInt32
    let privateKey: Curve25519.Signing.PrivateKey

    init(name: String, algorithm: UInt8, privateKey: Curve25519.Signing.PrivateKey) throws {
        guard NoteFormat.isValidKeyName(name) else { throw NoteError.invalidKeyName(name) }
        self.name = name
        self.algorithm = algorithm
        self.privateKey = privateKey
        keyID = NoteFormat.keyID(name: name, algorithm: algorithm, publicKey: privateKey.publicKey)
    }

    /// `<name>+<key ID as 8 hex digits>+<base64(algorithm || public key)>`.
    var verifierKey: String {
        NoteFormat.verifierKey(name: name, algorithm: algorithm, publicKey: privateKey.publicKey)
    }
}
