public struct CurlResponse: Sendable {
    public var status: Int
    /// In the order received, from the final response only (no `100 Continue` block).
    public var headers: [CurlHeader]
    public var body: [UInt8]
    /// Connections libcurl opened for this request: 0 means a pooled connection (and its
    /// TLS session) was reused, so counting these counts TLS handshakes.
    public var newConnections: Int

    public init(status: Int, headers: [CurlHeader], body: [UInt8], newConnections: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.newConnections = newConnections
    }

    /// The first value of the header, matched case-insensitively as HTTP requires.
    public func header(named name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
