import Crypto

/// A witness's key: cosigns checkpoints as C2SP tlog-cosignature `cosignature/v1` (Ed25519).
public struct CosignatureSigner: Sendable {
    private let key: NamedSigningKey

    /// The key ID uses signature type 0x04, not the 0x01 of note keys, so the same key and name
    /// could never pass a cosignature off as a log signature or the other way round.
    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws {
        key = try NamedSigningKey(name: name, algorithm: NoteFormat.cosignatureAlgorithm, privateKey: privateKey)
    }

    public var name: String { key.name }
    public var keyID: UInt32 { key.keyID }
    /// `<name>+<key ID as 8 hex digits>+<base64(0x04 || public key)>`, what logs and auditors are configured with.
    public var verifierKey: String { key.verifierKey }

    /// Cosigns a checkpoint's note text (everything before the blank line), as of `time` in POSIX seconds.
    ///
    /// The caller must have checked the checkpoint first: a cosignature vouches that it is
    /// consistent with everything this witness has seen of the log.
    public func cosign(_ checkpointText: String, time: UInt64) throws -> Cosignature {
        try NoteFormat.requireSignableText(Array(checkpointText.utf8))
        guard time <= UInt64(Int64.max) else { throw NoteError.invalidText("the time \(time) is beyond 2^63 - 1") }
        let signature = try key.privateKey.signature(for: Cosignature.message(for: checkpointText, time: time))
        return Cosignature(keyName: name, keyID: keyID, time: time, signature: Array(signature))
    }
}
