import Foundation
import ProcessHarness

/// The openssl CLI, run in the directory that holds the throwaway material.
struct OpenSSL {
    let directory: URL

    private var configurationPath: String { directory.appendingPathComponent("openssl.cnf").path }

    func writeConfiguration() throws {
        let configuration = """
            [req]
            distinguished_name = dn
            [dn]
            [ca_cert]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [server]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = serverAuth
            subjectAltName = IP:127.0.0.1,DNS:localhost
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            [client]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = clientAuth
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid

            """
        try configuration.write(toFile: configurationPath, atomically: true, encoding: .utf8)
    }

    func makeCA(named name: String) throws -> String {
        try run(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "1", "-subj", "/CN=\(name)",
            "-config", configurationPath, "-extensions", "ca_cert")
        try restrictKey(named: name)
        return path("\(name).pem")
    }

    func makeLeaf(named name: String, signedBy ca: String, profile: String) throws -> (certificate: String, key: String) {
        try run(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)", "-config", configurationPath)
        try restrictKey(named: name)
        try run(
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
            "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "1", "-sha256",
            "-extfile", configurationPath, "-extensions", profile, "-out", "\(name).pem")
        return (path("\(name).pem"), path("\(name).key"))
    }

    private func restrictKey(named name: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path("\(name).key"))
    }

    private func path(_ file: String) -> String {
        directory.appendingPathComponent(file).path
    }

    private func run(_ arguments: String...) throws {
        let result = try Command.runBlocking("openssl", arguments, cwd: directory.path)
        guard result.status == 0 else { throw Failure(arguments: arguments, output: result.stderr) }
    }

    struct Failure: Error, CustomStringConvertible {
        let arguments: [String]
        let output: String

        var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(output)" }
    }
}
