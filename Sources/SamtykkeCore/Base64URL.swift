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
        let length = (input.count * 4 + 2) / 3
        return String(unsafeUninitializedCapacity: length) { output in
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
