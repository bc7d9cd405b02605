internal import CCurl
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One libcurl easy handle, which owns a connection cache and TLS session cache that
/// outlive each transfer, plus the error buffer libcurl writes its messages into.
///
/// `@unchecked Sendable`: libcurl forbids using a handle from two threads at once, and
/// `CurlClient` guarantees that by checking a handle out of its pool for exactly one
/// request at a time. While checked out the handle moves from the caller's task to its own
/// serial queue and back, and the queue's hand-over orders those accesses.
final class CurlEasyHandle: @unchecked Sendable {
    /// Where this handle's transfers block, one at a time.
    let queue = DispatchQueue(label: "samtykke.curl")
    /// `curl_global_init` is not thread-safe and must precede every other libcurl call;
    /// a static let runs it exactly once per process, on first use, behind Swift's once-guard.
    private static let globalInitResult = curl_global_init(Int(CURL_GLOBAL_ALL))

    private let raw: UnsafeMutableRawPointer
    /// Registered anew for each transfer (reset forgets it), so it must live as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init(origin: String) throws(CurlError) {
        let globalInit = Self.globalInitResult
        guard globalInit == CURLE_OK else {
            throw CurlError(
                code: globalInit, message: "curl_global_init failed: \(String(cString: curl_easy_strerror(globalInit)))",
                origin: origin, receivedResponse: false, overTLS: false)
        }
        guard let raw = curl_easy_init() else {
            throw CurlError(
                code: CURLE_FAILED_INIT, message: "curl_easy_init failed", origin: origin,
                receivedResponse: false, overTLS: false)
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Runs one blocking transfer; call only from a thread that may block.
    func perform(_ request: CurlRequest, configuration: CurlClientConfiguration) throws(CurlError) -> CurlResponse {
        let origin = request.origin
        // Forgets the previous request's options but keeps live connections and TLS
        // sessions, which is the whole point of pooling handles.
        curl_easy_reset(raw)
        let accumulator = ResponseAccumulator(maxBodyBytes: configuration.maxResponseBytes)
        let headerList = try Self.makeHeaderList(request.headers, origin: origin)
        defer { curl_slist_free_all(headerList) }
        let pins = CurlPins(request.pinnedAddresses)
        let resolveList = Self.makeList(pins.resolve)
        defer { curl_slist_free_all(resolveList) }
        let connectToList = Self.makeList(pins.connectTo)
        defer { curl_slist_free_all(connectToList) }
        try configure(request, configuration, accumulator, headerList, origin)
        for (option, list) in [(CURLOPT_RESOLVE, resolveList), (CURLOPT_CONNECT_TO, connectToList)] where list != nil {
            guard ccurl_easy_setopt_slist(raw, option, list) == CURLE_OK else {
                throw .invalidRequest(origin: origin, code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: "could not pin the addresses to connect to")
            }
        }

        let result = withExtendedLifetime(accumulator) { curl_easy_perform(raw) }
        let newConnections = longInfo(CURLINFO_NUM_CONNECTS)
        if newConnections > 0 { configuration.connectionsOpened?(newConnections) }
        let truncated = configuration.truncatesResponseBody && accumulator.exceededBodyLimit && accumulator.receivedResponse
        guard result == CURLE_OK || truncated else {
            throw failure(result, accumulator, configuration, origin)
        }
        return CurlResponse(
            status: longInfo(CURLINFO_RESPONSE_CODE),
            headers: accumulator.headers,
            body: accumulator.body,
            newConnections: newConnections
        )
    }

    private func configure(
        _ request: CurlRequest,
        _ configuration: CurlClientConfiguration,
        _ accumulator: ResponseAccumulator,
        _ headerList: UnsafeMutablePointer<curl_slist>?,
        _ origin: String
    ) throws(CurlError) {
        func check(_ result: CURLcode) throws(CurlError) {
            guard result == CURLE_OK else {
                let reason = String(cString: curl_easy_strerror(result))
                throw CurlError(
                    code: result, message: "could not configure the transfer: \(reason)", origin: origin,
                    receivedResponse: false, overTLS: false)
            }
        }
        func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
            try check(ccurl_easy_setopt_long(raw, option, value))
        }
        func set(_ option: CURLoption, _ value: String?) throws(CurlError) {
            try check(ccurl_easy_setopt_string(raw, option, value))
        }

        // Signals cannot be used for DNS timeouts when many threads run transfers.
        try set(CURLOPT_NOSIGNAL, 1)
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer))
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, configuration.allowedProtocols.rawValue)
        try set(CURLOPT_USERAGENT, configuration.userAgent)
        // An empty proxy means none, and libcurl then ignores the proxy environment variables.
        try set(CURLOPT_PROXY, configuration.proxy ?? "")
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout ?? configuration.totalTimeout))

        // These are libcurl's defaults already; setting them states the contract.
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        if let tls = configuration.tls {
            if let caFile = tls.caFile {
                try set(CURLOPT_CAINFO, caFile)
                // Otherwise libcurl also trusts its built-in CA directory (/etc/ssl/certs).
                try set(CURLOPT_CAPATH, nil)
            } else if let extra = tls.additionalTrustPEM {
                // A blob replaces the default bundle file, so it carries that bundle too; the CA
                // directory stays trusted as it is.
                let system = ccurl_default_ca_bundle().map { Self.contents(of: $0) } ?? []
                let bundle = system + [UInt8(ascii: "\n")] + extra
                try check(bundle.withUnsafeBytes { ccurl_easy_setopt_blob(raw, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) })
            }
            if let certificate = tls.clientCertificateFile {
                try set(CURLOPT_SSLCERT, certificate)
                try set(CURLOPT_SSLCERTTYPE, "PEM")
            }
            if let key = tls.clientKeyFile {
                try set(CURLOPT_SSLKEY, key)
                try set(CURLOPT_SSLKEYTYPE, "PEM")
            }
        }

        try configureMethodAndBody(request, origin: origin, check: check)
        try check(ccurl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, headerList))

        let context = Unmanaged.passUnretained(accumulator).toOpaque()
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, context))
        try check(
            ccurl_easy_setopt_write_function(raw) { data, size, count, context in
                guard let data, let context else { return 0 }
                let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                return accumulator.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            })
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_HEADERDATA, context))
        try check(
            ccurl_easy_setopt_header_function(raw) { data, size, count, context in
                guard let data, let context else { return 0 }
                let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                accumulator.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
                return length
            })
    }

    private func configureMethodAndBody(
        _ request: CurlRequest,
        origin: String,
        check: (CURLcode) throws(CurlError) -> Void
    ) throws(CurlError) {
        let method = request.method
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw .invalidRequest(
                origin: origin, code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue),
                message: "method \"\(method)\" is not an HTTP token")
        }
        // A POST without post fields would make libcurl read the body from stdin.
        guard let body = request.body ?? (method == "POST" ? [] : nil) else {
            if method == "HEAD" {
                try check(ccurl_easy_setopt_long(raw, CURLOPT_NOBODY, 1))
            } else if method != "GET" {
                try check(ccurl_easy_setopt_string(raw, CURLOPT_CUSTOMREQUEST, method))
            }
            return
        }
        // The size goes first so COPYPOSTFIELDS copies exactly these bytes, NULs included.
        try check(ccurl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        if body.isEmpty {
            try check(ccurl_easy_setopt_string(raw, CURLOPT_COPYPOSTFIELDS, ""))
        } else {
            try check(
                body.withUnsafeBytes {
                    ccurl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
                })
        }
        if method != "POST" {
            try check(ccurl_easy_setopt_string(raw, CURLOPT_CUSTOMREQUEST, method))
        }
    }

    private func failure(
        _ result: CURLcode,
        _ accumulator: ResponseAccumulator,
        _ configuration: CurlClientConfiguration,
        _ origin: String
    ) -> CurlError {
        if accumulator.exceededBodyLimit {
            return .transport(
                origin: origin, code: Int(result.rawValue),
                message: "response body exceeds the limit of \(configuration.maxResponseBytes) bytes")
        }
        let message = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(result))
        // libcurl says "timed out" for a TCP or TLS handshake that never finished as for an answer
        // that never came. With no request byte sent, the connection never opened, and nothing
        // reached the server: callers may try again what they must not send twice.
        if result == CURLE_OPERATION_TIMEDOUT, longInfo(CURLINFO_REQUEST_SIZE) == 0 {
            return .connect(origin: origin, code: Int(result.rawValue), message: message)
        }
        var scheme: UnsafeMutablePointer<CChar>?
        _ = ccurl_easy_getinfo_string(raw, CURLINFO_SCHEME, &scheme)
        let overTLS = scheme.map { String(cString: $0).lowercased() == "https" } ?? false
        return CurlError(
            code: result, message: message, origin: origin,
            receivedResponse: accumulator.receivedResponse, overTLS: overTLS)
    }

    private func longInfo(_ info: CURLINFO) -> Int {
        var value = 0
        _ = ccurl_easy_getinfo_long(raw, info, &value)
        return value
    }

    /// The file's bytes, or none when it cannot be read (then only the added roots are trusted).
    private static func contents(of path: UnsafePointer<CChar>) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            guard count > 0 else { return bytes }
            bytes += chunk[..<count]
        }
    }

    private static func makeList(_ lines: [String]) -> UnsafeMutablePointer<curl_slist>? {
        lines.reduce(nil) { list, line in curl_slist_append(list, line) }
    }

    /// Refuses header text that would let a caller smuggle extra header lines.
    private static func makeHeaderList(
        _ headers: [CurlHeader],
        origin: String
    ) throws(CurlError) -> UnsafeMutablePointer<curl_slist>? {
        var lines: [String] = []
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(isTokenByte),
                !header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 })
            else {
                throw .invalidRequest(
                    origin: origin, code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue),
                    message: "header \"\(header.name)\" has a character not allowed in HTTP headers")
            }
            // "Name;" is libcurl's spelling of an empty header; "Name:" would remove it.
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        if !headers.contains(where: { $0.name.lowercased() == "expect" }) {
            // libcurl otherwise sends `Expect: 100-continue` for large bodies and stalls a
            // second on servers that never answer it.
            lines.append("Expect:")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw .transport(
                    origin: origin, code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "could not build the header list")
            }
            list = appended
        }
        return list
    }

    /// RFC 9110 `tchar`: what a method or header name may contain.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// libcurl takes whole milliseconds and reads 0 as "no timeout", so partial
    /// milliseconds round up and an already exhausted budget still gets 1 ms.
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64(Int.max / 1000) else { return Int.max }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let partial = attoseconds % attosecondsPerMillisecond > 0 ? 1 : 0
        return max(1, Int(seconds) * 1000 + Int(attoseconds / attosecondsPerMillisecond) + partial)
    }
}
