import DevPKI
import Foundation
import NIOSSL

/// Throwaway certificates for 127.0.0.1, made once per test run by two dev PKIs: a CA with a
/// server (the agency's) and a client certificate (the broker's), and an unrelated CA with its own
/// client.
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
    /// Made once, on a thread of its own (`DevPKI.make` runs openssl), by whichever test asks first.
    private static let made = Task { try await TestPKI(directory: makeDirectory()) }

    static func shared() async throws -> TestPKI {
        try await made.value
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

    private init(directory: URL) async throws {
        let main = try await DevPKI.make(in: directory.appendingPathComponent("main"))
        let other = try await DevPKI.make(in: directory.appendingPathComponent("other"))
        caCertificate = main.caCertificate.path
        serverCertificate = main.agencyCertificate.path
        serverKey = main.agencyKey.path
        clientCertificate = main.brokerClientCertificate.path
        clientKey = main.brokerClientKey.path
        otherCACertificate = other.caCertificate.path
        otherClientCertificate = other.brokerClientCertificate.path
        otherClientKey = other.brokerClientKey.path
    }

    private static func makeDirectory() throws -> URL {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        // Swift Testing has no process-wide teardown, and the keys must not outlive the run.
        atexit { try? FileManager.default.removeItem(at: TestPKI.directory) }
        return directory
    }
}
