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
