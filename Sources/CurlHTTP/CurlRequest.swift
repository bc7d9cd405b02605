public struct CurlRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [CurlHeader]
    public var body: [UInt8]?
    /// Replaces the client's total timeout for this request, e.g. to honour a caller's deadline.
    public var timeout: Duration?
    /// `HOST:PORT:ADDRESS[,ADDRESS…]` entries as CURLOPT_RESOLVE reads them (IPv6 addresses in
    /// brackets): connect to the address already checked instead of resolving the name again, so a
    /// name cannot resolve to one address when checked and another when used. A bracketed IPv6
    /// literal host (`[2001:db8::1]:8443:[2001:db8::1]`) is pinned too (`CurlPins`).
    public var pinnedAddresses: [String] = []

    public init(
        method: String,
        url: String,
        headers: [CurlHeader] = [],
        body: [UInt8]? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public static func get(_ url: String, headers: [CurlHeader] = [], timeout: Duration? = nil) -> CurlRequest {
        CurlRequest(method: "GET", url: url, headers: headers, timeout: timeout)
    }

    /// Adds `Content-Type` and `Accept` for JSON unless `headers` already names them.
    public static func postJSON(
        _ url: String,
        body: [UInt8],
        headers: [CurlHeader] = [],
        timeout: Duration? = nil
    ) -> CurlRequest {
        var allHeaders = headers
        for name in ["Content-Type", "Accept"]
        where !headers.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            allHeaders.append(CurlHeader(name: name, value: "application/json"))
        }
        return CurlRequest(method: "POST", url: url, headers: allHeaders, body: body, timeout: timeout)
    }
}

extension CurlRequest {
    /// Scheme, host and port only: error messages must not leak credentials or the
    /// path and query, which can carry consent identifiers.
    var origin: String {
        guard let separator = url.firstRange(of: "://") else {
            return String(url.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        }
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        return String(url[..<separator.upperBound]) + hostAndPort
    }
}
