import DevPKI
import NIOSSL

extension PKIPaths {
    /// The agency's certificate as a test server's, demanding a client certificate from this CA.
    /// Hostname checks are off because a server has no name to check a client against; with them on
    /// every handshake fails.
    func serverTLSConfiguration() throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: try NIOSSLCertificate.fromPEMFile(agencyCertificate.path).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: agencyKey.path, format: .pem)),
            trustRoots: .file(caCertificate.path)
        )
    }
}
