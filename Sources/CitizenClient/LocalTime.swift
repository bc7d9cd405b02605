import Foundation
import SamtykkeCore

/// A time the broker sent (RFC 3339, UTC) in a reader's time zone.
public enum LocalTime {
    /// "2026-12-09 08:00 +01:00".
    public static func text(_ rfc3339: String, in timeZone: TimeZone) -> String {
        format(rfc3339, "yyyy-MM-dd HH:mm xxx", in: timeZone)
    }

    /// "2026-12-09": the day alone, where a list has no room for the time.
    public static func date(_ rfc3339: String, in timeZone: TimeZone) -> String {
        format(rfc3339, "yyyy-MM-dd", in: timeZone)
    }

    /// The day in words, in the reader's language, as a sentence says it: "3 December", "3. desember";
    /// with the year when it is not the year of `now`.
    public static func day(_ date: Date, in timeZone: TimeZone, strings: CitizenStrings, now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: strings.locale)
        formatter.calendar = calendar
        formatter.timeZone = timeZone
        let sameYear = calendar.component(.year, from: date) == calendar.component(.year, from: now)
        formatter.setLocalizedDateFormatFromTemplate(sameYear ? "dMMMM" : "dMMMMyyyy")
        return formatter.string(from: date)
    }

    private static func format(_ rfc3339: String, _ pattern: String, in timeZone: TimeZone) -> String {
        guard let date = RFC3339.date(from: rfc3339) else { return FreeText.escaped(rfc3339) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
