/// A C2SP `tlog-tiles` entry bundle, `tile/entries/<N>[.p/<W>]`: the entries of one tile in order,
/// each a big-endian 16-bit length and that many bytes, nothing between or after them.
public enum EntryBundle {
    /// The longest entry a bundle can carry.
    public static let maxEntryBytes = Int(UInt16.max)

    /// Where each entry of `bundle` lies in it, if it holds exactly `count` of them and nothing else.
    public static func entries(in bundle: UnsafeRawBufferPointer, count: Int) -> [Range<Int>]? {
        var entries: [Range<Int>] = []
        entries.reserveCapacity(count)
        var at = 0
        while at < bundle.count {
            guard bundle.count - at >= 2 else { return nil }
            let start = at + 2
            let end = start + (Int(bundle[at]) << 8 | Int(bundle[at + 1]))
            guard end <= bundle.count else { return nil }
            entries.append(start..<end)
            at = end
        }
        return entries.count == count ? entries : nil
    }
}
