/// What the log records of an issued bundle: which one, its digest, what it holds and which use it
/// was. Never the data itself.
public struct BundleIssue: Sendable, Hashable {
    public let bundleID: String
    /// Hex SHA-256 of the compact JWS, which a bank's receipt check compares.
    public let bundleSHA256: String
    public let scopes: [Scope]
    public let years: [Int]
    /// Hex SHA-256 of the agency's response body.
    public let sourceSHA256: String
    /// Which use of the consent this bundle was (1-based); the domain sets it when the use is counted.
    public internal(set) var use: Int
    /// The index of the `data.requested` entry logged before the agency was asked (SPEC §5), when
    /// the broker releases against the log; nil otherwise.
    public let dataRequested: Int?

    public init(bundleID: String, bundleSHA256: String, scopes: [Scope], years: [Int], sourceSHA256: String, use: Int = 0, dataRequested: Int? = nil) {
        self.dataRequested = dataRequested
        self.bundleID = bundleID
        self.bundleSHA256 = bundleSHA256
        self.scopes = scopes
        self.years = years
        self.sourceSHA256 = sourceSHA256
        self.use = use
    }
}
