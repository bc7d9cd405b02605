/// A tile's place in a C2SP `tlog-tiles` log: the index `N` and width `W` of
/// `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`.
///
/// `N` is written in decimal, zero-padded to a multiple of three digits and cut into three-digit
/// path elements, all but the last prefixed with `x` (1234067 is `x001/x234/067`). Only the one
/// canonical spelling parses, so every tile has exactly one URL and caches never hold two copies.
public struct TilePath: Sendable, Hashable {
    /// Hashes in a full tile, entries in a full bundle; a level-`L` tile sits at tree level `8·L`.
    public static let fullWidth = 256
    /// The most levels a tree of at most 2^64 leaves can have tiles at.
    public static let maxLevel = 63

    public let index: UInt64
    /// 1...256; below 256 it is a partial tile.
    public let width: Int

    public init?(index: UInt64, width: Int) {
        guard (1...Self.fullWidth).contains(width) else { return nil }
        self.index = index
        self.width = width
    }

    public var isPartial: Bool { width < Self.fullWidth }

    /// `N[.p/W]`, as it follows `tile/<L>/` or `tile/entries/`.
    public var path: String {
        var digits = String(index)
        digits = String(repeating: "0", count: (3 - digits.count % 3) % 3) + digits
        var elements: [String] = []
        var rest = Substring(digits)
        while !rest.isEmpty {
            elements.append((rest.count > 3 ? "x" : "") + rest.prefix(3))
            rest = rest.dropFirst(3)
        }
        return elements.joined(separator: "/") + (isPartial ? ".p/\(width)" : "")
    }

    /// Reads the path elements after `tile/<L>/` or `tile/entries/`; nil unless they are the
    /// canonical spelling of a tile.
    public init?(elements: [Substring]) {
        let spelled = elements.joined(separator: "/")
        var elements = elements
        var width = Self.fullWidth
        if elements.count >= 2, elements[elements.count - 2].hasSuffix(".p") {
            let text = elements.removeLast()
            guard let partial = Self.decimal(text), partial < Self.fullWidth else { return nil }
            width = partial
            elements[elements.count - 1] = elements[elements.count - 1].dropLast(2)
        }
        guard !elements.isEmpty else { return nil }
        var index: UInt64 = 0
        for (position, element) in elements.enumerated() {
            let digits = position == elements.count - 1 ? element : element.dropFirst()
            guard position == elements.count - 1 || element.first == "x", digits.count == 3,
                digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = UInt64(digits)
            else { return nil }
            let (shifted, overflow) = index.multipliedReportingOverflow(by: 1000)
            let (sum, carry) = shifted.addingReportingOverflow(value)
            guard !overflow, !carry else { return nil }
            index = sum
        }
        guard let tile = TilePath(index: index, width: width), tile.path == spelled else { return nil }
        self = tile
    }

    /// A tile level `L`: decimal, without leading zeros, at most `maxLevel`.
    public static func level(_ text: Substring) -> Int? {
        guard text == "0" || decimal(text) != nil, let level = Int(text), level <= maxLevel else { return nil }
        return level
    }

    /// A decimal without leading zeros, from 1.
    static func decimal(_ text: Substring) -> Int? {
        guard let value = Int(text), value > 0, String(value) == text else { return nil }
        return value
    }
}
