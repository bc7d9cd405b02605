import ArgumentParser
import Foundation

/// `serve --retention DURATION`: how long after a consent ended its personal data stays in the live
/// tables. A whole number of days or hours (`90d`, `400d`, `12h`); no minutes or months, which an
/// `m` would leave in doubt.
struct RetentionPeriod: Sendable {
    static let shortest: TimeInterval = 3600
    static let longest: TimeInterval = 3650 * 86_400

    let seconds: TimeInterval

    /// The flag's `transform`, and the environment's.
    static func parse(_ text: String) throws -> RetentionPeriod {
        let units: [Character: TimeInterval] = ["d": 86_400, "h": 3600]
        let digits = text.dropLast()
        guard let unit = text.last.flatMap({ units[$0] }), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let count = Int(digits)
        else {
            throw ValidationError("--retention must be a whole number of days or hours, such as 90d or 12h, not \(text)")
        }
        let seconds = TimeInterval(count) * unit
        guard (shortest...longest).contains(seconds) else {
            throw ValidationError("--retention must be at least 1h and at most 3650d, not \(text)")
        }
        return RetentionPeriod(seconds: seconds)
    }
}
