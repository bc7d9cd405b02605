import Foundation
import SamtykkeStore

/// When a failed delivery is tried again: the Standard Webhooks schedule (at once, then after 5 s,
/// 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h, about three days in all), each wait spread
/// by up to a tenth so endpoints that failed together are not retried together. A 429 or 503 with
/// `Retry-After` waits as long as the endpoint asks, up to a day; a 410 disables the endpoint.
package struct DeliverySchedule: Sendable {
    static let standard: [TimeInterval] = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400]
    static let longestRetryAfter: TimeInterval = 86_400

    /// Waits after the 1st, 2nd, … failed attempt; after the last one the delivery gives up.
    var waits: [TimeInterval] = Self.standard
    /// Drawn in 0..<1 for each wait: the share of a tenth of it to add.
    var jitter: @Sendable () -> Double = { Double.random(in: 0..<1) }

    var attempts: Int { waits.count + 1 }

    package func verdict(after attempt: DeliveryAttempt, retryAfter: TimeInterval?) -> DeliveryVerdict {
        if attempt.succeeded { return .delivered }
        if case .status(410) = attempt.result { return .gone }
        guard attempt.attempt < attempts else { return .gaveUp }
        let scheduled = waits[attempt.attempt - 1]
        let wait: TimeInterval = switch attempt.result {
        case .status(429), .status(503): retryAfter.map { min(max($0, scheduled), Self.longestRetryAfter) } ?? scheduled
        default: scheduled
        }
        return .retry(at: attempt.at.addingTimeInterval(wait + wait * 0.1 * jitter()))
    }

    /// `Retry-After` in seconds or as an HTTP date, as RFC 9110 §10.2.3 allows; nil for anything else.
    package static func retryAfter(_ value: String?, now: Date) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value), seconds >= 0 { return TimeInterval(seconds) }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return format.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
    }
}
