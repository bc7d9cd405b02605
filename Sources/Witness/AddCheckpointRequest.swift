import TransparencyLog

/// The body of C2SP tlog-witness `POST /add-checkpoint`: `old <size>`, the consistency proof one
/// base64 hash a line, a blank line, and the signed checkpoint note.
public struct AddCheckpointRequest: Sendable, Hashable {
    public let oldSize: UInt64
    /// From `oldSize` to the checkpoint's size; empty when `oldSize` is 0.
    public let proof: [Hash]
    public let signedCheckpoint: String

    /// The spec caps proofs at 63 lines, one per level of a tree of 2^63 leaves.
    public static let maximumProofLines = 63
    /// A checkpoint, a full proof and the maximum of 100 signature lines fit many times over.
    public static let maximumBodyBytes = 64 * 1024

    public init(oldSize: UInt64, proof: [Hash], signedCheckpoint: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.signedCheckpoint = signedCheckpoint
    }

    /// Parses strictly: a second spelling of the same request would be a second thing to get right.
    public init(parsing body: [UInt8]) throws(WitnessError) {
        guard let text = String(validating: body, as: UTF8.self) else { throw .malformedRequest("the body is not UTF-8") }
        guard let sizeEnd = text.firstIndex(of: "\n") else { throw .malformedRequest("the body has no 'old <size>' line") }
        let sizeLine = text[..<sizeEnd]
        guard sizeLine.hasPrefix("old "), let oldSize = Self.decimal(sizeLine.dropFirst(4)) else {
            throw .malformedRequest("the first line is not 'old <size>' with a decimal size")
        }
        var proof: [Hash] = []
        var rest = text[text.index(after: sizeEnd)...]
        while true {
            guard let lineEnd = rest.firstIndex(of: "\n") else { throw .malformedRequest("the proof is not followed by a blank line") }
            let line = rest[..<lineEnd]
            rest = rest[rest.index(after: lineEnd)...]
            if line.isEmpty { break }
            guard proof.count < Self.maximumProofLines else {
                throw .malformedRequest("more than \(Self.maximumProofLines) consistency proof lines")
            }
            guard let hash = Hash(base64: String(line)) else {
                throw .malformedRequest("consistency proof line \(proof.count + 1) is not base64 of 32 bytes")
            }
            proof.append(hash)
        }
        guard !rest.isEmpty else { throw .malformedRequest("no checkpoint follows the blank line") }
        self.init(oldSize: oldSize, proof: proof, signedCheckpoint: String(rest))
    }

    public var body: [UInt8] {
        Array(("old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + signedCheckpoint).utf8)
    }

    /// ASCII digits without leading zeros (a lone "0" aside), as the spec spells sizes.
    static func decimal(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 }),
              text == "0" || !text.hasPrefix("0")
        else { return nil }
        return UInt64(text)
    }
}
