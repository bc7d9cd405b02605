import Foundation
import Synchronization

/// Misbehaviour the mock agency can be told to show, so the broker's handling of a failing or slow
/// agency is tested against a real server rather than assumed.
///
/// Text form, for `--faults` and tests: comma-separated `name=value`, e.g.
/// `latency=300ms,error=0.2,reset=0.1,slow-body=2s,malformed=0.1`. Rates are fractions of requests.
public struct AgencyFaults: Sendable, Hashable, CustomStringConvertible {
    /// Added before every answer.
    public var latency: Duration = .zero
    /// Share of requests answered 503.
    public var errorRate: Double = 0
    /// Share of requests whose connection is closed without an answer.
    public var resetRate: Double = 0
    /// Share of requests answered 200 with a body that is not JSON.
    public var malformedRate: Double = 0
    /// When set, every successful body is sent in small pieces spread over this long.
    public var slowBody: Duration?

    public init() {}

    public static let none = AgencyFaults()

    public init(parsing text: String) throws(MockTaxAgencyError) {
        for item in text.split(separator: ",") where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw .faults("\(item) is not name=value") }
            switch parts[0] {
            case "latency": latency = try Self.duration(parts[1])
            case "slow-body": slowBody = try Self.duration(parts[1])
            case "error": errorRate = try Self.rate(parts[1])
            case "reset": resetRate = try Self.rate(parts[1])
            case "malformed": malformedRate = try Self.rate(parts[1])
            default: throw .faults("unknown fault \(parts[0]); known: latency, error, reset, malformed, slow-body")
            }
        }
    }

    public var description: String {
        var parts: [String] = []
        if latency > .zero { parts.append("latency=\(latency)") }
        if errorRate > 0 { parts.append("error=\(errorRate)") }
        if resetRate > 0 { parts.append("reset=\(resetRate)") }
        if malformedRate > 0 { parts.append("malformed=\(malformedRate)") }
        if let slowBody { parts.append("slow-body=\(slowBody)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    private static func rate(_ text: String) throws(MockTaxAgencyError) -> Double {
        guard let value = Double(text), (0...1).contains(value) else { throw .faults("\(text) is not a rate between 0 and 1") }
        return value
    }

    private static func duration(_ text: String) throws(MockTaxAgencyError) -> Duration {
        let (number, scale): (Substring, Double) =
            text.hasSuffix("ms") ? (text.dropLast(2), 0.001) : text.hasSuffix("s") ? (text.dropLast(), 1) : (Substring(text), 0.001)
        guard let value = Double(number), value >= 0, value <= 600 / scale else { throw .faults("\(text) is not a duration like 250ms or 2s") }
        return .milliseconds(Int64(value * scale * 1000))
    }
}

/// The faults in force, changeable while the agency runs: tests switch them per request.
public final class FaultSwitch: Sendable {
    private let current: Mutex<AgencyFaults>

    public init(_ faults: AgencyFaults = .none) { current = Mutex(faults) }

    public var faults: AgencyFaults {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}
