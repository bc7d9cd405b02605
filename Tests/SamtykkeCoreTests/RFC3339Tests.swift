import Foundation
import SamtykkeCore
import Testing
import TestSupport

@Suite(.sameOnEveryBackend) struct RFC3339Tests {
    @Test("times that name a real moment are read, with any offset and fraction", arguments: [
        ("2026-02-28T23:59:59Z", 1_772_323_199.0),
        ("2028-02-29T12:00:00.250Z", 1_835_438_400.25),
        ("2000-02-29T00:00:00+00:00", 951_782_400.0),
        ("2026-12-01T10:00:00+01:00", 1_796_115_600.0),
        ("2026-12-01T09:00:00.5Z", 1_796_115_600.5),
    ])
    func realMoments(text: String, seconds: Double) {
        #expect(RFC3339.date(from: text)?.timeIntervalSince1970 == seconds)
    }

    /// Foundation alone reads each of these as some other moment (hour 24 as the next day,
    /// 29 February 2026 as 1 March) or accepts a shape RFC 3339 does not have.
    @Test("fields out of range and other shapes are refused", arguments: [
        "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
        "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-12-31T23:59:60Z", "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+01:60", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.Z", "2026-1-01T00:00:00Z",
        "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00+0100", "2026-01-01t00:00:00z", "",
    ])
    func refused(text: String) {
        #expect(RFC3339.date(from: text) == nil)
    }

    /// The form the broker writes is read by hand (`RFC3339.writtenForm`), strictly.
    @Test("the written form out of range or misspelt is refused", arguments: [
        "2026-02-29T00:00:00.000Z", "2100-02-29T12:00:00.000Z", "2026-06-31T00:00:00.000Z", "2026-13-01T00:00:00.000Z",
        "2026-00-01T00:00:00.000Z", "2026-01-00T00:00:00.000Z", "2026-01-01T24:00:00.000Z", "2026-01-01T23:60:00.000Z",
        "2026-01-01T23:59:60.000Z", "2026-01-01T00:00:00.00aZ", "2026-01-01T00:00:00.-01Z", "2026-01-01t00:00:00.000Z",
        "2026-01-01T00:00:00.000z", "2026-01-01T00:00:00,000Z", "2026-01-01T00:00:00.000Z ", " 2026-01-01T00:00:00.000Z",
        "2026/01/01T00:00:00.000Z", "20260-1-01T00:00:00.000Z", "2026-01-01T00:00:0/.000Z", "2026-01-01T00:00:00.000+",
    ])
    func writtenFormRefused(text: String) {
        #expect(RFC3339.date(from: text) == nil)
    }

    /// A time the verifier reads from an opening by hand must be the very `Date` a full parse
    /// gives, to the last bit: random milliseconds from 1970 to 9999 (before 2001 Foundation reads
    /// them), the edges of years, leap days and centuries, and a moment once read one bit off.
    @Test func theWrittenFormIsReadAsFoundationReadsIt() throws {
        var random = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, 978_307_199_999, 978_307_200_000, 978_307_200_001, 951_782_400_000, 1_796_552_130_001, 4_107_542_399_999, 253_402_300_799_999,
            // A CI run's random moment that whole seconds since 2001 plus the fraction read one bit low.
            980_537_478_831]
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for milliseconds in edges + (0..<20_000).map({ _ in Int64.random(in: 0..<253_402_300_800_000, using: &random) }) {
            let text = RFC3339.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            let read = try #require(RFC3339.date(from: text), "\(text)")
            let expected = try foundation.parse(text)
            #expect(read.timeIntervalSinceReferenceDate.bitPattern == expected.timeIntervalSinceReferenceDate.bitPattern, "\(text)")
        }
    }

    @Test func whatItWritesItReads() {
        let date = Date(timeIntervalSince1970: 1_796_115_600.123)
        #expect(RFC3339.date(from: RFC3339.string(from: date))?.millisecondsSince1970 == date.millisecondsSince1970)
    }

    /// Written digit by digit, the text is Foundation's ISO 8601 rendering of the same millisecond:
    /// random moments from 1970 to 9999, and the edges of days, leap days and centuries.
    @Test func itWritesWhatFoundationWrites() {
        var random = SystemRandomNumberGenerator()
        let edges: [Double] = [0, 0.0004, 0.9996, 86_399.999, 951_782_400, 951_868_799.999, 4_107_542_400, 253_402_300_799.999]
        let moments = edges + (0..<5000).map { _ in Double(Int64.random(in: 0..<253_402_300_800_000, using: &random)) / 1000 }
        for seconds in moments {
            let date = Date(timeIntervalSince1970: seconds)
            let whole = Date(timeIntervalSince1970: TimeInterval(date.millisecondsSince1970 / 1000))
            let millis = date.millisecondsSince1970 % 1000
            let foundation = whole.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)).dropLast() + "." + String(1000 + millis).dropFirst() + "Z"
            #expect(RFC3339.string(from: date) == foundation, "\(seconds)")
        }
    }
}
