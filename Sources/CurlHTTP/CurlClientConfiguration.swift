public struct CurlClientConfiguration: Sendable {
    public var connectTimeout: Duration
    /// The budget for a whole request, connect included, unless `CurlRequest.timeout` overrides it.
    public var totalTimeout: Duration
    /// `nil` trusts the system CA store and presents no client certificate.
    public var tls: CurlTLSConfiguration?
    /// Also the number of pooled connections kept warm, since each in-flight request owns one.
    public var maxConcurrentRequests: Int
    public var allowedProtocols: CurlAllowedProtocols
    public var userAgent: String
    /// Caps what a peer can make the broker buffer; a larger body fails with `CurlError.transport`,
    /// unless `truncatesResponseBody`.
    public var maxResponseBytes: Int
    /// Stop reading at `maxResponseBytes` and answer with the status and the body so far, for peers
    /// whose answer only matters by its status (a webhook receiver).
    public var truncatesResponseBody: Bool
    /// The proxy to go through (`http://host:port`), or `nil` for a direct connection. Without
    /// this, libcurl takes one from `HTTPS_PROXY`, `ALL_PROXY` or `http_proxy`, so whoever sets the
    /// process's environment could route the broker's traffic through a host of their choosing.
    public var proxy: String?
    /// Told how many connections each transfer opened, whether it then succeeded or not: over
    /// https each is a TLS handshake, and the ones that fail are the ones an operator most needs to see.
    public var connectionsOpened: (@Sendable (Int) -> Void)?

    public init(
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(30),
        tls: CurlTLSConfiguration? = nil,
        maxConcurrentRequests: Int = 8,
        allowedProtocols: CurlAllowedProtocols = .https,
        userAgent: String = "samtykke",
        maxResponseBytes: Int = 8 * 1024 * 1024,
        truncatesResponseBody: Bool = false,
        proxy: String? = nil,
        connectionsOpened: (@Sendable (Int) -> Void)? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.tls = tls
        self.maxConcurrentRequests = maxConcurrentRequests
        self.allowedProtocols = allowedProtocols
        self.userAgent = userAgent
        self.maxResponseBytes = maxResponseBytes
        self.truncatesResponseBody = truncatesResponseBody
        self.proxy = proxy
        self.connectionsOpened = connectionsOpened
    }
}
