import Foundation

/// RFC 3339 timestamps in UTC with millisecond precision, the one time format of the API and the log.
public enum RFC3339 {
    /// Formatted from whole milliseconds, so a date that went through a Double prints the same.
    public static func string(from date: Date) -> String {
        UTCDigits.text(date, separator: "T", suffix: "Z")
    }

    /// Accepts any RFC 3339 date-time with an offset, with or without fractional seconds, whose
    /// fields name a real moment: Foundation's parser reads hour 24 as the next day and 29 February
    /// 2026 as 1 March, so a time a bank sends would silently mean another. A leap second (`:60`)
    /// is refused too: `Date` has none to name.
    public static func date(from text: String) -> Date? {
        var text = text
        if let date = text.withUTF8({ writtenForm(UnsafeRawBufferPointer($0)) }) { return date }
        guard namesARealMoment(Array(text.utf8)) else { return nil }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` on a day that exists from 2001 on: the form `string(from:)` writes,
    /// read by hand to exactly the `Date` Foundation's parser reads from it (`RFC3339Tests` compares the
    /// bits). Nil for anything else, which `date(from:)` leaves to Foundation. An auditor reads two
    /// times in every opening of the log, and Foundation's general parser is slow at that.
    static func writtenForm(_ text: UnsafeRawBufferPointer) -> Date? {
        guard text.count == 24, text[23] == UInt8(ascii: "Z"),
            let moment = UTCDigits.read(text, from: 0, separator: UInt8(ascii: "T"), fraction: true), moment.year >= 2001
        else { return nil }
        // Added as Foundation adds them, the day's start to the time of day with its fraction: the
        // whole seconds since 2001 plus the fraction differ from that in the last bit now and then.
        let dayStart = (moment.daysSince1970 - daysFrom1970To2001) * 86_400
        let timeOfDay = Double(moment.secondOfDay) + Double(moment.millisecond) / 1000
        return Date(timeIntervalSinceReferenceDate: Double(dayStart) + timeOfDay)
    }

    private static let daysFrom1970To2001 = 11_323

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339 §5.6), each field within its range; the
    /// `T` and `Z` in capitals, as Foundation reads them and as we write them.
    private static func namesARealMoment(_ b: [UInt8]) -> Bool {
        guard b.withUnsafeBytes({ UTCDigits.read($0, from: 0, separator: UInt8(ascii: "T"), fraction: false) }) != nil else { return false }
        func number(_ at: Int, _ digits: Int) -> Int? {
            guard at + digits <= b.count else { return nil }
            var value = 0
            for byte in b[at..<(at + digits)] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func byte(_ at: Int, _ allowed: String) -> Bool { at < b.count && allowed.utf8.contains(b[at]) }
        var at = 19
        if byte(at, ".") {
            at += 1
            let digits = at
            while byte(at, "0123456789") { at += 1 }
            guard at > digits else { return false }
        }
        if byte(at, "Z") { return at + 1 == b.count }
        guard byte(at, "+-"), let offsetHours = number(at + 1, 2), byte(at + 3, ":"), let offsetMinutes = number(at + 4, 2) else { return false }
        return offsetHours < 24 && offsetMinutes < 60 && at + 6 == b.count
    }
}

extension Date {
    /// Whole milliseconds since 1970, rounded to nearest: the precision the log and database keep.
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// This instant at millisecond precision, so a value survives a round trip through text or storage.
    public var roundedToMilliseconds: Date { Date(timeIntervalSince1970: TimeInterval(millisecondsSince1970) / 1000) }
}
