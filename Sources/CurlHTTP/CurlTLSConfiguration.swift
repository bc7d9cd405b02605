/// Trust anchors and client identity for HTTPS.
///
/// Peer and host verification are always on and TLS 1.2 is the floor; there is
/// deliberately no switch to weaken either, because every peer of the broker is a
/// party whose identity the consent flow depends on.
public struct CurlTLSConfiguration: Sendable, Equatable {
    /// A PEM bundle that becomes the only trust anchor, so a certificate from a
    /// system CA cannot stand in for the intended peer. `nil` trusts the system store.
    public var caFile: String?
    /// A PEM certificate presented when the server asks for mutual TLS.
    public var clientCertificateFile: String?
    /// The PEM private key of `clientCertificateFile`.
    public var clientKeyFile: String?

    public init(caFile: String? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil) {
        self.caFile = caFile
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }
}
