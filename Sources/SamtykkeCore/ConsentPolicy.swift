import Foundation

/// The operator's limits on what a bank may ask for.
public struct ConsentPolicy: Sendable, Hashable {
    /// How far in the future `validUntil` may lie. Ten days, as in the Norwegian scheme.
    public var maxValidity: TimeInterval
    /// How long a request may wait for the citizen before it expires unanswered.
    public var requestTTL: TimeInterval
    /// The most uses a bank may ask for.
    public var maxUsesLimit: Int

    public init(maxValidity: TimeInterval = 10 * 86_400, requestTTL: TimeInterval = 3 * 86_400, maxUsesLimit: Int = 100) {
        self.maxValidity = maxValidity
        self.requestTTL = requestTTL
        self.maxUsesLimit = maxUsesLimit
    }
}
