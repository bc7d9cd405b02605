import Foundation

/// A moment in UTC at millisecond precision as `YYYY-MM-DD?HH:MM:SS.mmm`, written digit by digit.
/// Foundation's formatters (ICU's `DateFormatter`, `ISO8601FormatStyle`) cost a fifth of the log
/// writer's time and a share of every bundle; the RFC 3339 text and the SQLite column text are both
/// this with another separator. The year is the proleptic Gregorian one, as ISO 8601 counts it.
public enum UTCDigits {
    /// `separator` between date and time, `suffix` after the milliseconds.
    public static func text(_ date: Date, separator: Character, suffix: String) -> String {
        write(milliseconds: date.millisecondsSince1970, separator: separator, fraction: true, suffix: suffix)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`: the whole second `date` is in, as `JSONEncoder`'s `.iso8601` writes it.
    public static func wholeSeconds(_ date: Date) -> String {
        write(milliseconds: Int64(date.timeIntervalSince1970.rounded(.down)) * 1000, separator: "T", fraction: false, suffix: "Z")
    }

    private static func write(milliseconds millis: Int64, separator: Character, fraction: Bool, suffix: String) -> String {
        let (days, inDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, msOfDay) = inDay < 0 ? (days - 1, inDay + 86_400_000) : (days, inDay)
        let (year, month, dayOfMonth) = civil(daysSince1970: day)
        let seconds = msOfDay / 1000
        var bytes = [UInt8]()
        bytes.reserveCapacity(24 + suffix.utf8.count)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        // Four digits, as RFC 3339 writes every year a broker meets; others in full.
        if (0...9999).contains(year) { digits(year, 4) } else { bytes.append(contentsOf: String(year).utf8) }
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(dayOfMonth, 2)
        bytes.append(contentsOf: String(separator).utf8)
        digits(seconds / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(seconds / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(seconds % 60, 2)
        if fraction {
            bytes.append(UInt8(ascii: "."))
            digits(msOfDay % 1000, 3)
        }
        bytes.append(contentsOf: suffix.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What `write` lays out, read back from `start` of `bytes`: `YYYY-MM-DD`, `separator`,
    /// `HH:MM:SS` and, with `fraction`, `.mmm`. Nil unless each digit is one and the fields name a
    /// moment that exists: a day of its month, hours 0–23, no leap second (`Date` has none). What
    /// follows, and which years they take, is each reader's own (RFC 3339's text, leaves, a
    /// citizen's history).
    public static func read(
        _ bytes: UnsafeRawBufferPointer, from start: Int, separator: UInt8, fraction: Bool
    ) -> (year: Int, daysSince1970: Int, secondOfDay: Int, millisecond: Int)? {
        guard start >= 0, bytes.count - start >= (fraction ? 23 : 19) else { return nil }
        func number(_ offset: Int, _ digits: Int) -> Int? {
            var value = 0
            for at in start + offset..<start + offset + digits {
                let digit = bytes[at] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        func byte(_ offset: Int, _ expected: UInt8) -> Bool { bytes[start + offset] == expected }
        guard let year = number(0, 4), byte(4, UInt8(ascii: "-")), let month = number(5, 2), byte(7, UInt8(ascii: "-")),
            let day = number(8, 2), byte(10, separator), let hour = number(11, 2), byte(13, UInt8(ascii: ":")),
            let minute = number(14, 2), byte(16, UInt8(ascii: ":")), let second = number(17, 2),
            (1...12).contains(month), (1...days(inMonth: month, of: year)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var millisecond = 0
        if fraction {
            guard byte(19, UInt8(ascii: ".")), let digits = number(20, 3) else { return nil }
            millisecond = digits
        }
        return (year, daysSince1970(year: year, month: month, day: day), (hour * 60 + minute) * 60 + second, millisecond)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date from year 0 on (Howard Hinnant's `days_from_civil`).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
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

    /// Year, month and day in the Gregorian calendar (Howard Hinnant's `civil_from_days`).
    private static func civil(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSince1970 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
