import Foundation
import NIOSSL

/// Throwaway certificates for 127.0.0.1, made once per test run with the openssl CLI:
/// a CA with a server and a client certificate, and an unrelated CA with its own client.
struct TestPKI: Sendable {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String
    let clientCertificate: String
    let clientKey: String
    let otherCACertificate: String
    let otherClientCertificate: String
    let otherClientKey: String

    private static let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("curlhttp-tests-\(UUID().uuidString)", isDirectory: true)
    private static let made = Result { try TestPKI(directory: makeDirectory()) }

    static func shared() throws -> TestPKI {
        try made.get()
    }

    /// Demands a client certificate from `caCertificate`. Hostname checks are off because
    /// a server has no name to check a client against; with them on every handshake fails.
    func serverTLSConfiguration() throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: try NIOSSLCertificate.fromPEMFile(serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: serverKey, format: .pem)),
            trustRoots: .file(caCertificate)
        )
    }

    private init(directory: URL) throws {
        let openssl = OpenSSL(directory: directory)
        try openssl.writeConfiguration()
        caCertificate = try openssl.makeCA(named: "ca")
        (serverCertificate, serverKey) = try openssl.makeLeaf(named: "server", signedBy: "ca", profile: "server")
        (clientCertificate, clientKey) = try openssl.makeLeaf(named: "client", signedBy: "ca", profile: "client")
        otherCACertificate = try openssl.makeCA(named: "other-ca")
        (otherClientCertificate, otherClientKey) = try openssl.makeLeaf(
            named: "other-client", signedBy: "other-ca", profile: "client")
    }

    private static func makeDirectory() throws -> URL {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        // Swift Testing has no process-wide teardown, and the keys must not outlive the run.
        atexit { try? FileManager.default.removeItem(at: TestPKI.directory) }
        return directory
    }
}
