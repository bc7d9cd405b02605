import Foundation

/// base64url without padding (RFC 7515 §2), the encoding of every JOSE field.
///
/// Encoded straight from the alphabet, three bytes to four characters: a signed bundle is a few
/// kilobytes, and going through Foundation's base64, a copy into `Data` and a pass to swap two
/// characters and cut the padding cost more than the bundle's JSON.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        return input.withUnsafeBytes { input in
            String(unsafeUninitializedCapacity: encodedCount(input.count)) { encode(input, into: $0) }
        }
    }

    /// Appends the base64url form of `bytes` to `output`: a page of openings writes two per opening.
    public static func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let count = encodedCount(bytes.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: count))
        output.withUnsafeMutableBufferPointer { buffer in
            _ = encode(bytes, into: UnsafeMutableBufferPointer(rebasing: buffer[start..<start + count]))
        }
    }

    private static func encodedCount(_ count: Int) -> Int { (count * 4 + 2) / 3 }

    /// Writes the base64url form of `input` into `output`, which holds `encodedCount(input.count)`
    /// bytes; returns that count.
    private static func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var at = 0
        var index = 0
        func put(_ sextet: UInt32) {
            output[at] = alphabet[Int(sextet & 0x3F)]
            at += 1
        }
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            put(group >> 18); put(group >> 12); put(group >> 6); put(group)
            index += 3
        }
        switch input.count - index {
        case 1:
            let group = UInt32(input[index]) << 16
            put(group >> 18); put(group >> 12)
        case 2:
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            put(group >> 18); put(group >> 12); put(group >> 6)
        default: break
        }
        return at
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    /// The bytes `text` spells in base64url without padding, read straight from the alphabet: only
    /// the one spelling of each value is accepted, so a last character whose unused low bits are
    /// set (Foundation ignores them: "AB" would read as "AA" does) is refused, as is padding, the
    /// standard alphabet's `+` and `/`, and a length no byte string encodes to. A verifier reads
    /// three of these per log entry, millions of them.
    public static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        let count = text.count * 6 / 8
        return try? [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            guard decode(text, into: UnsafeMutableRawBufferPointer(output)) else { throw Malformed() }
            initialized = count
        }
    }

    /// Decodes `text` into `output`, which is exactly as long as the bytes it spells; false for
    /// anything `decode(_:)` refuses.
    @inline(__always)
    public static func decode(_ text: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard text.count % 4 != 1, output.count == text.count * 6 / 8 else { return false }
        var group: UInt32 = 0
        var bad: UInt8 = 0
        var at = 0
        // The table once per call: a static's lazy-initialisation check per character costs more than the rest.
        sextets.withUnsafeBufferPointer { sextets in
            for (position, character) in text.enumerated() {
                let sextet = sextets[Int(character)]
                bad |= sextet
                group = group << 6 | UInt32(sextet & 0x3F)
                if position & 3 == 3 {
                    output[at] = UInt8(truncatingIfNeeded: group >> 16)
                    output[at + 1] = UInt8(truncatingIfNeeded: group >> 8)
                    output[at + 2] = UInt8(truncatingIfNeeded: group)
                    at += 3
                    group = 0
                }
            }
        }
        switch text.count & 3 {
        case 2:
            guard group & 0x0F == 0 else { return false }
            output[at] = UInt8(truncatingIfNeeded: group >> 4)
        case 3:
            guard group & 0x03 == 0 else { return false }
            output[at] = UInt8(truncatingIfNeeded: group >> 10)
            output[at + 1] = UInt8(truncatingIfNeeded: group >> 2)
        default:
            break
        }
        return bad & 0x80 == 0
    }

    /// Each byte's value in the alphabet, 0x80 for a byte outside it.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0x80, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    private struct Malformed: Error {}
}
