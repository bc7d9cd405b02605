/// The URL schemes a client may use; the raw value is what libcurl's
/// CURLOPT_PROTOCOLS_STR expects.
public enum CurlAllowedProtocols: String, Sendable {
    case https = "https"
    /// For development setups and tests where a peer has no TLS.
    case httpAndHTTPS = "http,https"
}
