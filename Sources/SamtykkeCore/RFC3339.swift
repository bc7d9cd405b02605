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
        guard text.count == 24, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"), text[10] == UInt8(ascii: "T"),
            text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"), text[19] == UInt8(ascii: "."), text[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ at: Int, _ digits: Int) -> Int? {
            var value = 0
            for offset in at..<at + digits {
                let digit = text[offset] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), let milliseconds = number(20, 3),
            year >= 2001, (1...12).contains(month), (1...days(inMonth: month, of: year)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        // Added as Foundation adds them, the day's start to the time of day with its fraction: the
        // whole seconds since 2001 plus the fraction differ from that in the last bit now and then.
        let dayStart = (daysSince1970(year: year, month: month, day: day) - daysFrom1970To2001) * 86_400
        let timeOfDay = Double(hour * 3600 + minute * 60 + second) + Double(milliseconds) / 1000
        return Date(timeIntervalSinceReferenceDate: Double(dayStart) + timeOfDay)
    }

    private static let daysFrom1970To2001 = 11_323

    /// Days since 1970-01-01 of a proleptic Gregorian date from year 0 on (Howard Hinnant's `days_from_civil`).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        return era * 146_097 + (yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear) - 719_468
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
