/// An event's id, `evt_` and its log entry's index: stable for the event's life, so receivers
/// de-duplicate on it, and ordered like the log, so the feed pages by it.
public struct EventID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let logIndex: UInt64

    public init(logIndex: UInt64) {
        self.logIndex = logIndex
    }

    /// Reads `evt_N`; nil for anything else (leading zeros, signs, an index beyond what a database keeps).
    public init?(_ text: String) {
        guard text.hasPrefix("evt_") else { return nil }
        let digits = text.dropFirst(4)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits == "0" || digits.first != "0",
            let index = Int64(digits)
        else { return nil }
        self.logIndex = UInt64(index)
    }

    public var description: String { "evt_\(logIndex)" }

    public static func < (a: EventID, b: EventID) -> Bool { a.logIndex < b.logIndex }
}
