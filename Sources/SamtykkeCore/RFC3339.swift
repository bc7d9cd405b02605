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
        guard namesARealMoment(Array(text.utf8)) else { return nil }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// The days of `month` (1...12) in the Gregorian `year`.
    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339 §5.6), each field within its range; the
    /// `T` and `Z` in capitals, as Foundation reads them and as we write them.
    private static func namesARealMoment(_ b: [UInt8]) -> Bool {
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
        guard let year = number(0, 4), byte(4, "-"), let month = number(5, 2), byte(7, "-"), let day = number(8, 2), byte(10, "T"),
            let hour = number(11, 2), byte(13, ":"), let minute = number(14, 2), byte(16, ":"), let second = number(17, 2)
        else { return false }
        guard (1...12).contains(month), (1...days(inMonth: month, of: year)).contains(day), hour < 24, minute < 60, second < 60 else { return false }
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
