/// Bytes from the system's random source (getrandom(2)) for salts, tags, keys, tokens and ids.
/// Drawn eight at a time: each draw is a system call, and drawing a byte at a time (as
/// `UInt8.random` does) made a log entry's salt alone cost 32 of them.
public enum RandomBytes {
    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var generator = SystemRandomNumberGenerator()
        for offset in stride(from: 0, to: buffer.count, by: 8) {
            let word = generator.next()
            let count = min(8, buffer.count - offset)
            withUnsafeBytes(of: word) { drawn in
                UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: drawn[..<count]))
            }
        }
    }

    /// `count` random bytes.
    public static func make(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// `count` random bytes in lower-case hex (two digits each).
    public static func hex(_ count: Int) -> String {
        Hex.lowercase(make(count))
    }
}
