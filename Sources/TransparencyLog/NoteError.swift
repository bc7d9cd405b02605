/// Why a signed note could not be made, or was not accepted.
public enum NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Key names must be non-empty, without spaces, control characters or "+".
    case invalidKeyName(String)
    case malformedVerifierKey(String)
    case unsupportedAlgorithm(UInt8)
    /// The verifier key declares a key ID that does not belong to its name and public key.
    case keyIDMismatch(declared: UInt32, computed: UInt32)
    /// Text to sign must be non-empty, end in a newline and hold no other control characters.
    case invalidText(String)
    case malformedNote(String)
    /// A signature line names this key but its signature does not verify: the note was altered.
    case invalidSignature(keyName: String, keyID: UInt32)
    case missingSignature(keyName: String, keyID: UInt32)

    public var description: String {
        switch self {
        case .invalidKeyName(let name):
            "invalid key name \(String(reflecting: name)): it must be non-empty, without spaces, control characters or '+'"
        case .malformedVerifierKey(let reason):
            "malformed verifier key: \(reason)"
        case .unsupportedAlgorithm(let algorithm):
            "unsupported signature algorithm 0x\(String(algorithm, radix: 16)) for this key: Ed25519 note keys are 0x01, Ed25519 cosignature keys 0x04"
        case .keyIDMismatch(let declared, let computed):
            "verifier key declares key ID \(NoteFormat.hex(declared)) but its name and public key give \(NoteFormat.hex(computed))"
        case .invalidText(let reason):
            "cannot sign this text: \(reason)"
        case .malformedNote(let reason):
            "malformed note: \(reason)"
        case .invalidSignature(let keyName, let keyID):
            "invalid signature for key \(keyName)+\(NoteFormat.hex(keyID))"
        case .missingSignature(let keyName, let keyID):
            "note has no signature by key \(keyName)+\(NoteFormat.hex(keyID))"
        }
    }
}
