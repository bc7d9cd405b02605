/// Lower-case hex, two digits a byte: random ids and secrets, consent ids, certificate serials.
public enum Hex {
    public static func lowercase(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { text in
            for (offset, byte) in bytes.enumerated() {
                text[2 * offset] = digit(byte >> 4)
                text[2 * offset + 1] = digit(byte & 0x0F)
            }
            return 2 * bytes.count
        }
    }

    /// The digit of `value` (0...15).
    static func digit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
}
