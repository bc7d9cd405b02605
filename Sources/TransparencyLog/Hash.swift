import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A SHA-256 output: a Merkle tree node or root.
///
/// Held inline, as four words rather than an array: a verifier rehashing a log makes two of these
/// per entry, and a heap allocation each would cost more than the hashing itself.
public struct Hash: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32

    /// The digest's bytes in order, as `withUnsafeBytes` hands them out.
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// Exactly `byteCount` bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    public init?(bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count == Self.byteCount else { return nil }
        words = bytes.withUnsafeBytes(Self.words(of:))
    }

    /// Strict standard base64 (RFC 4648 §4): padding required, no whitespace, canonical final bits.
    public init?(base64: String) {
        guard let bytes = StrictBase64.decode(base64) else { return nil }
        self.init(bytes: bytes)
    }

    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[pair]), let low = Self.nibble(digits[pair + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    @usableFromInline
    init(_ digest: SHA256.Digest) {
        words = digest.withUnsafeBytes(Self.words(of:))
    }

    /// The words holding `bytes`, which must be exactly `byteCount` of them.
    private static func words(of bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        precondition(bytes.count == byteCount, "a SHA-256 output is 32 bytes")
        return (
            bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    /// The SHA-256 of `data`: also how the log names a bundle (`bundleSha256`, in hex) and an
    /// agency answer (`sourceSha256`), so the broker and every verifier compute them one way.
    public init(sha256Of data: some DataProtocol) {
        self.init(SHA256.hash(data: data))
    }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (lhs: Hash, rhs: Hash) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public var base64: String {
        StrictBase64.encode(bytes)
    }

    /// Lowercase.
    public var hex: String {
        withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: 2 * bytes.count) { buffer in
                for (offset, byte) in bytes.enumerated() {
                    buffer[2 * offset] = Self.hexDigits[Int(byte >> 4)]
                    buffer[2 * offset + 1] = Self.hexDigits[Int(byte & 0x0F)]
                }
                return 2 * bytes.count
            }
        }
    }

    public var description: String {
        hex
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
