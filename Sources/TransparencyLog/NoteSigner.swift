import Crypto

/// Signs notes (C2SP signed-note) with an Ed25519 key.
public struct NoteSigner: Sendable {
    private let key: NamedSigningKey

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws {
        key = try NamedSigningKey(name: name, algorithm: NoteFormat.ed25519Algorithm, privateKey: privateKey)
    }

    public var name: String { key.name }
    public var keyID: UInt32 { key.keyID }
    /// `<name>+<key ID as 8 hex digits>+<base64(0x01 || public key)>`, what verifiers are configured with.
    public var verifierKey: String { key.verifierKey }

    /// `text`, a blank line, and one signature line over exactly the bytes of `text`.
    public func sign(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        try NoteFormat.requireSignableText(bytes)
        let signature = NoteSignature(keyName: name, keyID: keyID, signature: Array(try key.privateKey.signature(for: bytes)))
        return "\(text)\n\(signature.line)"
    }
}
