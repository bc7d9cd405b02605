/// Trust anchors and client identity for HTTPS.
///
/// Peer and host verification are always on and TLS 1.2 is the floor; there is
/// deliberately no switch to weaken either, because every peer of the broker is a
/// party whose identity the consent flow depends on.
public struct CurlTLSConfiguration: Sendable, Equatable {
    /// A PEM bundle that becomes the only trust anchor, so a certificate from a
    /// system CA cannot stand in for the intended peer. `nil` trusts the system store.
    public var caFile: String?
    /// PEM certificates trusted beside the system store (ignored when `caFile` is set): for peers
    /// an operator names, such as a bank's webhook endpoint behind a private CA.
    public var additionalTrustPEM: [UInt8]?
    /// A PEM certificate presented when the server asks for mutual TLS.
    public var clientCertificateFile: String?
    /// The PEM private key of `clientCertificateFile`.
    public var clientKeyFile: String?

    public init(caFile: String? = nil, additionalTrustPEM: [UInt8]? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil) {
        self.caFile = caFile
        self.additionalTrustPEM = additionalTrustPEM
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }
}
