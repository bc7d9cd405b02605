internal import CCurl

/// Every case carries the origin (scheme, host, port), libcurl's result code and
/// libcurl's own explanation, so a log line says what failed without a debugger.
public enum CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Handshake, certificate or trust failure, including a server that rejects the
    /// client certificate after a TLS 1.3 handshake has completed.
    case tls(origin: String, code: Int, message: String)
    case timeout(origin: String, code: Int, message: String)
    /// The host could not be resolved, did not accept the connection, or did not finish the TCP or
    /// TLS handshake in time: nothing was sent.
    case connect(origin: String, code: Int, message: String)
    /// The exchange broke after it started: an empty or cut-off reply, a reset after
    /// the response began, a body over the size cap.
    case transport(origin: String, code: Int, message: String)
    /// The request could not be sent as given: a malformed URL, a scheme that is not
    /// allowed, a header or method with characters that would corrupt the request.
    case invalidRequest(origin: String, code: Int, message: String)

    public var origin: String {
        switch self {
        case .tls(let origin, _, _), .timeout(let origin, _, _), .connect(let origin, _, _),
            .transport(let origin, _, _), .invalidRequest(let origin, _, _):
            origin
        }
    }

    public var code: Int {
        switch self {
        case .tls(_, let code, _), .timeout(_, let code, _), .connect(_, let code, _),
            .transport(_, let code, _), .invalidRequest(_, let code, _):
            code
        }
    }

    public var message: String {
        switch self {
        case .tls(_, _, let message), .timeout(_, _, let message), .connect(_, _, let message),
            .transport(_, _, let message), .invalidRequest(_, _, let message):
            message
        }
    }

    public var description: String {
        let what =
            switch self {
            case .tls: "TLS handshake with \(origin) failed"
            case .timeout: "Request to \(origin) timed out"
            case .connect: "Could not connect to \(origin)"
            case .transport: "HTTP exchange with \(origin) failed"
            case .invalidRequest: "Invalid request to \(origin)"
            }
        return "\(what): \(message) (curl error \(code))"
    }
}

extension CurlError {
    /// - Parameters:
    ///   - receivedResponse: whether a status line arrived; a reset before it on a TLS
    ///     connection is how TLS 1.3 servers refuse a client certificate (the alert comes
    ///     after the client already considers the handshake done), so it counts as TLS.
    ///   - overTLS: whether the transfer used HTTPS; a reset on plain HTTP is never TLS.
    init(code: CURLcode, message: String, origin: String, receivedResponse: Bool, overTLS: Bool) {
        let rawCode = Int(code.rawValue)
        let message = message.trimmingTrailingWhitespace
        switch code {
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            self = .tls(origin: origin, code: rawCode, message: message)
        case CURLE_RECV_ERROR where overTLS && !receivedResponse,
            CURLE_SEND_ERROR where overTLS && !receivedResponse:
            self = .tls(origin: origin, code: rawCode, message: message)
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout(origin: origin, code: rawCode, message: message)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            self = .connect(origin: origin, code: rawCode, message: message)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            self = .invalidRequest(origin: origin, code: rawCode, message: message)
        default:
            self = .transport(origin: origin, code: rawCode, message: message)
        }
    }
}

extension String {
    /// libcurl's error buffer sometimes ends in a newline, which would split a log line.
    fileprivate var trimmingTrailingWhitespace: String {
        String(self.reversed().drop { $0.isWhitespace }.reversed())
    }
}
