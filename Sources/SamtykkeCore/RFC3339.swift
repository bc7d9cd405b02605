import Foundation

/// RFC 3339 timestamps in UTC with millisecond precision, the one time format of the API and the log.
public enum RFC3339 {
    public static func string(from date: Date) -> String {
        // Formatted from whole milliseconds so a date that went through a Double prints the same.
        let (seconds, milliseconds) = date.millisecondsSince1970.quotientAndRemainder(dividingBy: 1000)
        let whole = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return whole.dropLast() + "." + String(1000 + milliseconds).dropFirst() + "Z"
    }

    /// Accepts any RFC 3339 date-time with an offset, with or without fractional seconds.
    public static func date(from text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

extension Date {
    /// Whole milliseconds since 1970, rounded to nearest: the precision the log and database keep.
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// This instant at millisecond precision, so a value survives a round trip through text or storage.
    public var roundedToMilliseconds: Date { Date(timeIntervalSince1970: TimeInterval(millisecondsSince1970) / 1000) }
}
