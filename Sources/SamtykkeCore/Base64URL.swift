import Foundation

/// base64url without padding (RFC 7515 §2), the encoding of every JOSE field.
///
/// Foundation's base64 with the two characters swapped and the padding cut, byte by byte: a signed
/// bundle is a few kilobytes, and `replacingOccurrences` searched it three times as a string.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var encoded = Array(Data(bytes).base64EncodedData())
        while encoded.last == UInt8(ascii: "=") { encoded.removeLast() }
        for index in encoded.indices {
            switch encoded[index] {
            case UInt8(ascii: "+"): encoded[index] = UInt8(ascii: "-")
            case UInt8(ascii: "/"): encoded[index] = UInt8(ascii: "_")
            default: break
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var standard: [UInt8] = []
        standard.reserveCapacity(text.utf8.count + 3)
        for byte in text.utf8 {
            switch byte {
            // Padding, and the standard alphabet's own two characters, are not base64url.
            case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "/"): return nil
            case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
            default: standard.append(byte)
            }
        }
        standard.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (4 - standard.count % 4) % 4))
        guard let decoded = Data(base64Encoded: Data(standard)).map(Array.init) else { return nil }
        // One spelling per value: Foundation ignores the unused low bits of a last character, so
        // "AB" would read as "AA" does, and an API key or a JWS part would have several spellings.
        return encode(decoded) == text ? decoded : nil
    }
}
