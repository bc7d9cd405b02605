import Foundation
import SamtykkeCore

/// Dates as the text GRDB stores for a `Date` ("yyyy-MM-dd HH:mm:ss.SSS", UTC), written without
/// Foundation's `DateFormatter` (`UTCDigits`). The text is exactly GRDB's, so columns written
/// either way compare and sort as one (a test holds the two to each other): the nearest
/// millisecond, as Foundation rounds it, in the Gregorian calendar of the years a broker stores
/// (1970 to 9999; ICU switches to the Julian calendar before 1582).
enum SQLiteTimestamp {
    static func text(_ date: Date) -> String {
        UTCDigits.text(date, separator: " ", suffix: "")
    }
}
