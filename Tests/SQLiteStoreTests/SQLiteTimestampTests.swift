import Foundation
import GRDB
import Testing
import TestSupport

@testable import SQLiteStore

/// Rows written with `SQLiteTimestamp` and rows written by GRDB's own `Date` encoding share
/// columns that SQL compares as text (`requestExpiresAt <= ?`): the two must agree to the character.
@Suite(.sameOnEveryBackend) struct SQLiteTimestampTests {
    static func grdb(_ date: Date) -> String {
        String.fromDatabaseValue(date.databaseValue)!
    }

    @Test func writesExactlyWhatGRDBWritesForAnyDateABrokerStores() {
        var generator = SystemRandomNumberGenerator()
        let fixed: [TimeInterval] = [
            0, 0.0004, 0.0005, 0.9999, 86_399.9999, 951_782_400, 951_868_799.9996, 4_107_542_399.999, 253_402_300_799.999,
            1_764_547_199.9995, 1_735_689_599.001,
        ]
        // Whole milliseconds, fractions of one (rounded to the nearest), leap days, years 1970 to 9999.
        let random = (0..<20_000).map { _ in TimeInterval(Double.random(in: 0...253_402_300_799, using: &generator)) }
        for seconds in fixed + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(SQLiteTimestamp.text(date) == Self.grdb(date), "\(seconds)")
        }
    }

    @Test func readsBackAsTheSameMillisecond() throws {
        let date = Date(timeIntervalSince1970: 1_764_547_199.123)
        let back = try #require(Date.fromDatabaseValue(SQLiteTimestamp.text(date).databaseValue))
        #expect(abs(back.timeIntervalSince(date)) < 0.001)
    }
}
