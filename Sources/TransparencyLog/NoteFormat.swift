import Crypto

/// The pieces of C2SP signed-note that signer and verifier must agree on.
enum NoteFormat {
    static let ed25519Algorithm: UInt8 = 0x01

    /// U+2014 EM DASH and a space, which open every signature line.
    static let signaturePrefix: [UInt8] = Array("\u{2014} ".utf8)

    /// Verifiers must accept at least 16 signatures; beyond this many, a note is treated as an
    /// attempt to make verification expensive (the Go reference implementation's limit).
    static let maximumSignatures = 100

    static func isValidKeyName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// The first four bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key).
    static func keyID(name: String, publicKey: Curve25519.Signing.PublicKey) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, ed25519Algorithm])
        hasher.update(data: publicKey.rawRepresentation)
        return hasher.finalize().prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
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
