import ArgumentParser
import Foundation
import SamtykkeApp
import SamtykkeServer

/// `serve`'s defences against floods: connection timeouts and caps (in all and per address), the limit per address on
/// requests that do not authenticate, and the auditors' own per-caller limit. Each flag also reads its `SAMTYKKE_` variable, and every value
/// is judged before the broker starts.
struct ConnectionFlags: ParsableArguments {
    static let defaultOptions = ServerOptions()
    static let defaultLimits = Broker.Limits()

    @Option(help: "Seconds a new connection may take to send its first byte (default \(seconds(defaultOptions.timeouts.firstByte))).")
    var firstByteTimeout: Int?
    @Option(help: "Seconds a connection is kept open idle between requests (default \(seconds(defaultOptions.timeouts.idle))).")
    var idleTimeout: Int?
    @Option(help: "Seconds a client may take to send a request head, from its first byte (default \(seconds(defaultOptions.timeouts.header))).")
    var headerTimeout: Int?
    @Option(help: "Seconds a client may take to send a request body, from the end of its head (default \(seconds(defaultOptions.timeouts.body))).")
    var bodyTimeout: Int?
    @Option(help: "Connections served at once; more wait in the listen backlog (default \(defaultOptions.maxConnections)).")
    var maxConnections: Int?
    @Option(help: "Connections one address (an IPv6 /64) may hold at once, a trusted proxy's not counted (default \(defaultOptions.maxConnectionsPerAddress)).")
    var maxConnectionsPerAddress: Int?
    @Option(help: "Requests per second each address may make that do not authenticate (default \(Int(defaultLimits.addressRate.perSecond))).")
    var addressRatePerSecond: Int?
    @Option(help: "Such requests an address may burst above that rate (default \(Int(defaultLimits.addressRate.burst))).")
    var addressRateBurst: Int?
    @Option(help: "Requests per second each auditor may make (default \(Int(defaultLimits.auditRate.perSecond))).")
    var auditRatePerSecond: Int?
    @Option(help: "Requests an auditor may burst above that rate (default \(Int(defaultLimits.auditRate.burst))).")
    var auditRateBurst: Int?
    @Option(
        name: .customLong("trusted-proxy"),
        help: "A proxy (IP address or network, e.g. 10.0.0.0/8) whose X-Forwarded-For names the client; repeatable (environment: comma-separated).",
        transform: Self.trustedProxy
    )
    var trustedProxies: [IPNetwork] = []

    struct Settings {
        let timeouts: ConnectionTimeouts
        let maxConnections: Int
        let maxConnectionsPerAddress: Int
        let addressRate: RateLimiter.Rule
        let auditRate: RateLimiter.Rule
        let trustedProxies: [IPNetwork]

        func apply(to settings: inout BrokerSettings) {
            settings.server.timeouts = timeouts
            settings.server.maxConnections = maxConnections
            settings.server.maxConnectionsPerAddress = maxConnectionsPerAddress
            settings.limits.addressRate = addressRate
            settings.limits.auditRate = auditRate
            settings.trustedProxies = trustedProxies
        }
    }

    /// The values as the broker takes them; `validate()` has refused any that do not fit.
    func checked() throws -> Settings {
        func number(_ flag: String, _ given: Int?, default fallback: Int, atMost limit: Int) throws -> Int {
            let value = given ?? fallback
            guard (1...limit).contains(value) else { throw ValidationError("--\(flag) must be 1–\(limit), not \(value)") }
            return value
        }
        func timeout(_ flag: String, _ given: Int?, default fallback: Duration) throws -> Duration {
            .seconds(try number(flag, given, default: Self.seconds(fallback), atMost: 86_400))
        }
        func amount(_ flag: String, _ given: Int?, default fallback: Double) throws -> RateLimiter.Rule.Amount {
            let value = try number(flag, given, default: Int(fallback), atMost: 1_000_000)
            guard let amount = RateLimiter.Rule.Amount(Double(value)) else { throw ValidationError("--\(flag) must be at least 1, not \(value)") }
            return amount
        }
        let defaults = Self.defaultOptions.timeouts
        return Settings(
            timeouts: ConnectionTimeouts(
                firstByte: try timeout("first-byte-timeout", firstByteTimeout, default: defaults.firstByte),
                idle: try timeout("idle-timeout", idleTimeout, default: defaults.idle),
                header: try timeout("header-timeout", headerTimeout, default: defaults.header),
                body: try timeout("body-timeout", bodyTimeout, default: defaults.body)
            ),
            maxConnections: try number("max-connections", maxConnections, default: Self.defaultOptions.maxConnections, atMost: 1_000_000),
            maxConnectionsPerAddress: try number(
                "max-connections-per-address", maxConnectionsPerAddress, default: Self.defaultOptions.maxConnectionsPerAddress, atMost: 1_000_000
            ),
            addressRate: RateLimiter.Rule(
                perSecond: try amount("address-rate-per-second", addressRatePerSecond, default: Self.defaultLimits.addressRate.perSecond),
                burst: try amount("address-rate-burst", addressRateBurst, default: Self.defaultLimits.addressRate.burst)
            ),
            auditRate: RateLimiter.Rule(
                perSecond: try amount("audit-rate-per-second", auditRatePerSecond, default: Self.defaultLimits.auditRate.perSecond),
                burst: try amount("audit-rate-burst", auditRateBurst, default: Self.defaultLimits.auditRate.burst)
            ),
            trustedProxies: trustedProxies
        )
    }

    static func trustedProxy(_ text: String) throws -> IPNetwork {
        guard let network = IPNetwork(text) else { throw ValidationError("--trusted-proxy must be an IP address or network, not \(text)") }
        return network
    }

    mutating func validate() throws {
        try Env.fill(&firstByteTimeout, "first-byte-timeout")
        try Env.fill(&idleTimeout, "idle-timeout")
        try Env.fill(&headerTimeout, "header-timeout")
        try Env.fill(&bodyTimeout, "body-timeout")
        try Env.fill(&maxConnections, "max-connections")
        try Env.fill(&maxConnectionsPerAddress, "max-connections-per-address")
        try Env.fill(&addressRatePerSecond, "address-rate-per-second")
        try Env.fill(&addressRateBurst, "address-rate-burst")
        try Env.fill(&auditRatePerSecond, "audit-rate-per-second")
        try Env.fill(&auditRateBurst, "audit-rate-burst")
        try Env.fill(&trustedProxies, "trusted-proxy", Self.trustedProxy)
        _ = try checked()
    }

    private static func seconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds)
    }
}
