import Crypto

/// The pieces of C2SP signed-note that signers and verifiers must agree on.
enum NoteFormat {
    static let ed25519Algorithm: UInt8 = 0x01
    /// signed-note's identifier for C2SP tlog-cosignature's timestamped Ed25519 cosignatures.
    static let cosignatureAlgorithm: UInt8 = 0x04

    /// U+2014 EM DASH and a space, which open every signature line.
    static let signaturePrefix: [UInt8] = Array("\u{2014} ".utf8)

    /// Verifiers must accept at least 16 signatures; beyond this many, a note is treated as an
    /// attempt to make verification expensive (the Go reference implementation's limit).
    static let maximumSignatures = 100

    static func isValidKeyName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// The first four bytes, big-endian, of SHA-256(name || 0x0A || algorithm || public key).
    static func keyID(name: String, algorithm: UInt8, publicKey: Curve25519.Signing.PublicKey) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, algorithm])
        hasher.update(data: publicKey.rawRepresentation)
        return hasher.finalize().prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// `<name>+<key ID as 8 hex digits>+<base64(algorithm || public key)>`, what verifiers are configured with.
    static func verifierKey(name: String, algorithm: UInt8, publicKey: Curve25519.Signing.PublicKey) -> String {
        let keyID = keyID(name: name, algorithm: algorithm, publicKey: publicKey)
        return "\(name)+\(hex(keyID))+\(StrictBase64.encode([algorithm] + publicKey.rawRepresentation))"
    }

    /// Parses a verifier key of `algorithm`, checking that the key ID is the one the name and key
    /// give, so a typo cannot silently match no signature.
    static func parseVerifierKey(
        _ verifierKey: String,
        algorithm expected: UInt8
    ) throws -> (name: String, keyID: UInt32, publicKey: Curve25519.Signing.PublicKey) {
        let parts = verifierKey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw NoteError.malformedVerifierKey("expected <name>+<key ID>+<key>") }
        guard isValidKeyName(parts[0]) else { throw NoteError.invalidKeyName(String(parts[0])) }
        guard parts[1].utf8.count == 8, parts[1].allSatisfy(\.isHexDigit), let declaredID = UInt32(parts[1], radix: 16) else {
            throw NoteError.malformedVerifierKey("key ID \(String(reflecting: String(parts[1]))) is not 8 hexadecimal digits")
        }
        guard let key = StrictBase64.decode(parts[2]), let algorithm = key.first else {
            throw NoteError.malformedVerifierKey("key is not base64")
        }
        guard algorithm == expected else { throw NoteError.unsupportedAlgorithm(algorithm) }
        guard key.count == 33, let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.dropFirst()) else {
            throw NoteError.malformedVerifierKey("an Ed25519 key is 32 bytes, got \(key.count - 1)")
        }
        let name = String(parts[0])
        let keyID = keyID(name: name, algorithm: algorithm, publicKey: publicKey)
        guard keyID == declaredID else { throw NoteError.keyIDMismatch(declared: declaredID, computed: keyID) }
        return (name, keyID, publicKey)
    }

    /// Text to sign must be non-empty, end in a newline and hold no other control characters.
    static func requireSignableText(_ bytes: [UInt8]) throws {
        guard bytes.last == 0x0A else { throw NoteError.invalidText("it must be non-empty and end with a newline") }
        guard !containsControlCharacter(bytes) else {
            throw NoteError.invalidText("it contains a control character other than newline")
        }
    }

    static func bigEndianBytes(_ keyID: UInt32) -> [UInt8] {
        [UInt8(keyID >> 24), UInt8(truncatingIfNeeded: keyID >> 16), UInt8(truncatingIfNeeded: keyID >> 8), UInt8(truncatingIfNeeded: keyID)]
    }

    /// Eight lowercase hexadecimal digits.
    static func hex(_ keyID: UInt32) -> String {
        let digits = String(keyID, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Signed notes must not contain ASCII control characters other than newline.
    static func containsControlCharacter(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.contains { $0 < 0x20 && $0 != 0x0A }
    }
}
