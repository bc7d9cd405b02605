import TransparencyLog

/// A C2SP `tlog-proof@v1`: an entry's index, its inclusion proof and the checkpoint (with the
/// witnesses' cosignatures) the proof leads to. Nothing in it is trusted until `ReleaseCheck` has
/// verified it against a policy.
public struct TlogProof: Sendable, Hashable {
    public static let header = "c2sp.org/tlog-proof@v1"
    /// 63 hashes reach the root of any tree of up to 2^63 leaves, the 100 signature lines a note may
    /// carry take about 10 KB: anything larger is not a proof, and is refused before it is read.
    public static let maximumBytes = 16 * 1024
    public static let maximumHashes = 63

    /// Opaque, unauthenticated; kept so the proof can be written back, never relied on.
    public let extra: [UInt8]?
    public let index: UInt64
    public let hashes: [Hash]
    /// The signed note, verbatim.
    public let signedCheckpoint: String

    public init(extra: [UInt8]? = nil, index: UInt64, hashes: [Hash], signedCheckpoint: String) {
        self.extra = extra
        self.index = index
        self.hashes = hashes
        self.signedCheckpoint = signedCheckpoint
    }

    /// Parses strictly, so one proof has one spelling.
    public init(parsing text: String) throws(TlogProofError) {
        guard text.utf8.count <= Self.maximumBytes else { throw .tooLarge(bytes: text.utf8.count, maximum: Self.maximumBytes) }
        // By byte, not by Character: a proof comes with every release, and splitting kilobytes into
        // grapheme clusters showed in the agency's profile. The two differ only on "\r\n" (one
        // Character), which no line before the checkpoint may hold; the checkpoint is taken verbatim.
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Substring($0) }[...]
        guard lines.popFirst() == Substring(Self.header) else { throw .malformed("the first line is not \(Self.header)") }
        var extra: [UInt8]?
        if let line = lines.first, line.hasPrefix("extra ") {
            guard let bytes = StrictBase64.decode(line.dropFirst(6)) else { throw .malformed("the extra line is not base64") }
            extra = bytes
            lines.removeFirst()
        }
        guard let indexLine = lines.popFirst(), indexLine.hasPrefix("index "), let index = Self.decimal(indexLine.dropFirst(6)) else {
            throw .malformed("no 'index <decimal>' line where one belongs")
        }
        var hashes: [Hash] = []
        while true {
            guard let line = lines.popFirst() else { throw .malformed("the proof ends before its checkpoint (truncated)") }
            if line.isEmpty { break }
            guard hashes.count < Self.maximumHashes else { throw .malformed("more than \(Self.maximumHashes) inclusion proof hashes") }
            guard let hash = Hash(base64: String(line)) else { throw .malformed("inclusion proof line \(hashes.count + 1) is not base64 of 32 bytes") }
            hashes.append(hash)
        }
        let checkpoint = lines.first.map { String(text[$0.startIndex...]) } ?? ""
        guard !checkpoint.isEmpty else { throw .malformed("no checkpoint follows the blank line (truncated)") }
        self.init(extra: extra, index: index, hashes: hashes, signedCheckpoint: checkpoint)
    }

    /// The text form; `init(parsing:)` reads it back to the same value.
    public var text: String {
        var lines = [Self.header]
        if let extra { lines.append("extra " + StrictBase64.encode(extra)) }
        lines.append("index \(index)")
        lines += hashes.map(\.base64)
        return lines.joined(separator: "\n") + "\n\n" + signedCheckpoint
    }

    /// ASCII digits without leading zeros, a lone "0" aside.
    private static func decimal(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 }), text == "0" || !text.hasPrefix("0") else {
            return nil
        }
        return UInt64(text)
    }
}

public enum TlogProofError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge(bytes: Int, maximum: Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .tooLarge(let bytes, let maximum): "the proof is \(bytes) bytes, more than the \(maximum) a proof can need"
        case .malformed(let reason): "the proof is not a c2sp.org/tlog-proof@v1: \(reason)"
        }
    }
}
