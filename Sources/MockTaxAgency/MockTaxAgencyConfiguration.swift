import Foundation
import LogRelease
import SamtykkeJOSE

/// Everything the mock tax agency needs to start. Paths are file-system paths to PEM files.
public struct MockTaxAgencyConfiguration: Sendable {
    /// The `aud` the broker puts in consent tokens meant for this agency.
    public static let defaultAudience = "urn:samtykke:tax-agency"

    public var host: String
    /// 0 lets the system pick a free port; `onServerRunning` reports the one it picked.
    public var port: Int
    /// The agency's server certificate, optionally followed by intermediates.
    public var certificateChain: String
    public var privateKey: String
    /// The CA(s) whose client certificates may connect; anyone else is cut off in the TLS handshake.
    public var clientCA: String
    /// The broker's public keys: consent tokens must be signed by one of them.
    public var brokerKeys: JWKSet
    /// The `iss` the broker puts in its consent tokens (its `--issuer`, by default its own URL).
    public var brokerIssuer: String
    public var audience: String
    /// `people.json` (see Fixtures/README.md).
    public var fixtures: String
    /// Leeway for a broker clock that disagrees a little with ours.
    public var clockSkew: TimeInterval
    /// Misbehaviour to show on the data route; switchable while running.
    public var faults: FaultSwitch
    /// Requests to the data route so far.
    public var traffic: AgencyTraffic
    /// `--log-policy`: release only against the broker's witnessed log (SPEC §5); nil releases on
    /// the token alone.
    public var release: ReleaseGate?

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        certificateChain: String,
        privateKey: String,
        clientCA: String,
        brokerKeys: JWKSet,
        brokerIssuer: String,
        audience: String = MockTaxAgencyConfiguration.defaultAudience,
        fixtures: String,
        clockSkew: TimeInterval = 5,
        faults: FaultSwitch = FaultSwitch(),
        traffic: AgencyTraffic = AgencyTraffic(),
        release: ReleaseGate? = nil
    ) {
        self.release = release
        self.host = host
        self.port = port
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCA = clientCA
        self.brokerKeys = brokerKeys
        self.brokerIssuer = brokerIssuer
        self.audience = audience
        self.fixtures = fixtures
        self.clockSkew = clockSkew
        self.faults = faults
        self.traffic = traffic
    }
}
