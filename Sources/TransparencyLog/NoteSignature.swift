/// One signature line of a signed note, `— <key name> <base64(key ID || signature)>`, not yet verified.
public struct NoteSignature: Sendable, Hashable {
    public let keyName: String
    public let keyID: UInt32
    /// The bytes after the key ID: what they mean depends on the key's algorithm.
    public let signature: [UInt8]

    init(keyName: String, keyID: UInt32, signature: [UInt8]) {
        self.keyName = keyName
        self.keyID = keyID
        self.signature = signature
    }

    /// Parses a line without its newline.
    init(parsing line: ArraySlice<UInt8>) throws {
        guard line.starts(with: NoteFormat.signaturePrefix) else {
            throw NoteError.malformedNote("a signature line does not start with an em dash and a space")
        }
        let fields = line.dropFirst(NoteFormat.signaturePrefix.count).split(separator: 0x20, omittingEmptySubsequences: false)
        let name = String(decoding: fields[0], as: UTF8.self)
        guard fields.count == 2, NoteFormat.isValidKeyName(name) else {
            throw NoteError.malformedNote("a signature line is not '— <key name> <signature>'")
        }
        guard let blob = StrictBase64.decode(String(decoding: fields[1], as: UTF8.self)), blob.count > 4 else {
            throw NoteError.malformedNote("a signature of \(name) is not base64 of a key ID and a signature")
        }
        self.init(keyName: name, keyID: blob.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }, signature: Array(blob.dropFirst(4)))
    }

    /// The line with its newline; base64 here is canonical, so a parsed line comes out byte for byte.
    public var line: String {
        "\u{2014} \(keyName) \(StrictBase64.encode(NoteFormat.bigEndianBytes(keyID) + signature))\n"
    }

    func isBy(name: String, keyID: UInt32) -> Bool {
        keyName == name && self.keyID == keyID
    }
}
