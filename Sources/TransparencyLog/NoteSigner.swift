import Crypto

/// Signs notes (C2SP signed-note) with an Ed25519 key.
public struct NoteSigner: Sendable {
    public let name: String
    public let keyID: UInt32
    private let privateKey: Curve25519.Signing.PrivateKey

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws {
        guard NoteFormat.isValidKeyName(name) else { throw NoteError.invalidKeyName(name) }
        self.name = name
        self.privateKey = privateKey
        keyID = NoteFormat.keyID(name: name, publicKey: privateKey.publicKey)
    }

    /// `<name>+<key ID as 8 hex digits>+<base64(0x01 || public key)>`, what verifiers are configured with.
    public var verifierKey: String {
        let encodedKey = StrictBase64.encode([NoteFormat.ed25519Algorithm] + privateKey.publicKey.rawRepresentation)
        return "\(name)+\(NoteFormat.hex(keyID))+\(encodedKey)"
    }

    /// `text`, a blank line, and one signature line over exactly the bytes of `text`.
    public func sign(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        guard bytes.last == 0x0A else { throw NoteError.invalidText("it must be non-empty and end with a newline") }
        guard !NoteFormat.containsControlCharacter(bytes) else {
            throw NoteError.invalidText("it contains a control character other than newline")
        }
        let signature = try privateKey.signature(for: bytes)
        let encoded = StrictBase64.encode(NoteFormat.bigEndianBytes(keyID) + signature)
        return "\(text)\n\u{2014} \(name) \(encoded)\n"
    }
}
