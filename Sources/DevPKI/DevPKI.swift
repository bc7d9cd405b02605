import Foundation
import OwnThread
import SamtykkeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `samtykke dev pki`: a throwaway CA, the agency's server certificate, the broker's client
/// certificate and the signing keys, all made with the `openssl` command line. For development
/// only: the CA key sits next to everything it signed.
public enum DevPKI {
    /// Makes a complete PKI in `directory` (created 0700 if missing) and returns where each file is.
    ///
    /// Everything is first written to a private staging directory inside `directory` and only renamed
    /// into place once openssl has succeeded at every step, so a failure never leaves half a PKI behind
    /// (and, with `overwrite`, never destroys the old one).
    public static func make(in directory: URL, openssl: String = "openssl", overwrite: Bool = false) throws(DevPKIError) -> PKIPaths {
        let tool = try OpenSSL(openssl)
        let paths = PKIPaths(directory: directory)
        try createPrivateDirectory(directory)
        if !overwrite, let existing = paths.allFiles.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            throw .alreadyExists(directory: directory.path, file: existing.lastPathComponent)
        }
        // CSRs and the extension config are scratch; they must not end up in the PKI directory.
        let work = try makeScratchDirectory(in: FileManager.default.temporaryDirectory, prefix: "samtykke-pki-")
        defer { try? FileManager.default.removeItem(at: work) }
        let staging = try makeScratchDirectory(in: directory, prefix: ".staging-")
        defer { try? FileManager.default.removeItem(at: staging) }
        let staged = PKIPaths(directory: staging)
        try generate(staged, work: work, with: tool)
        for (from, to) in zip(staged.allFiles, paths.allFiles) {
            guard rename(from.path, to.path) == 0 else {
                throw .fileSystem(path: to.path, reason: "cannot move into place: \(lastError())")
            }
        }
        return paths
    }

    /// The same, on a thread of its own: each openssl run blocks its thread, and on the threads
    /// Swift's tasks share that would stall every other task of the process meanwhile (the servers
    /// of `samtykke demo`, the brokers of a test run).
    public static func make(in directory: URL, openssl: String = "openssl", overwrite: Bool = false) async throws(DevPKIError) -> PKIPaths {
        try await onOwnThread { () throws(DevPKIError) in try make(in: directory, openssl: openssl, overwrite: overwrite) }
    }

    private static func generate(_ p: PKIPaths, work: URL, with openssl: OpenSSL) throws(DevPKIError) {
        let config = work.appendingPathComponent("openssl.cnf")
        do {
            try Data(extensionsConfig.utf8).write(to: config)
        } catch {
            throw .fileSystem(path: config.path, reason: "cannot write: \(error.localizedDescription)")
        }
        for file in p.privateFiles { try createOwnerOnlyFile(file) }

        try generateP256Key(p.caKey, with: openssl)
        try openssl.run([
            "req", "-new", "-x509", "-config", config.path, "-extensions", "ca_ext", "-key", p.caKey.path,
            "-subj", "/CN=samtykke dev CA", "-days", "3650", "-sha256", "-set_serial", randomSerial(), "-out", p.caCertificate.path,
        ])
        try issue(
            commonName: "samtykke-mock-tax-agency", extensions: "server_ext", key: p.agencyKey, certificate: p.agencyCertificate,
            ca: p, config: config, work: work, with: openssl
        )
        try issue(
            commonName: "samtykke-broker", extensions: "client_ext", key: p.brokerClientKey, certificate: p.brokerClientCertificate,
            ca: p, config: config, work: work, with: openssl
        )
        try generateP256Key(p.bundleSigningKey, with: openssl)
        try openssl.run(["pkey", "-in", p.bundleSigningKey.path, "-pubout", "-out", p.bundleSigningPublicKey.path])
        try openssl.run(["genpkey", "-algorithm", "ed25519", "-out", p.logKey.path])
        try generateP256Key(p.idProviderKey, with: openssl)
        try issue(
            commonName: "samtykke-dev-id-provider", extensions: "server_ext", key: p.idProviderTLSKey, certificate: p.idProviderCertificate,
            ca: p, config: config, work: work, with: openssl
        )
        try writeClientSecret(p.idClientSecret)
    }

    /// 32 random bytes in hex: the secret `samtykke dev id-provider` expects of its client
    /// `samtykke-broker` and `serve --id-client-secret` sends. Hex, not base64url: one secret in 64
    /// began with `-`, and `--id-client-secret "$(cat …)"` then read it as an option (a CI run's broker
    /// would not start). The file already exists, mode 0600.
    private static func writeClientSecret(_ file: URL) throws(DevPKIError) {
        let secret = RandomBytes.hex(32)
        do {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.write(contentsOf: Data((secret + "\n").utf8))
        } catch {
            throw .fileSystem(path: file.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    private static func issue(
        commonName: String, extensions: String, key: URL, certificate: URL,
        ca: PKIPaths, config: URL, work: URL, with openssl: OpenSSL
    ) throws(DevPKIError) {
        let request = work.appendingPathComponent("\(commonName).csr")
        try generateP256Key(key, with: openssl)
        try openssl.run(["req", "-new", "-config", config.path, "-key", key.path, "-subj", "/CN=\(commonName)", "-out", request.path])
        try openssl.run([
            "x509", "-req", "-in", request.path, "-CA", ca.caCertificate.path, "-CAkey", ca.caKey.path,
            "-set_serial", randomSerial(), "-days", "365", "-sha256", "-extfile", config.path, "-extensions", extensions,
            "-out", certificate.path,
        ])
    }

    private static func generateP256Key(_ file: URL, with openssl: OpenSSL) throws(DevPKIError) {
        try openssl.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file.path])
    }

    /// RFC 5280 wants serials unique per CA; 127 random bits make that so without a serial file.
    private static func randomSerial() -> String {
        var bytes = RandomBytes.make(16)
        bytes[0] &= 0x7f
        return "0x" + Hex.lowercase(bytes)
    }

    private static let extensionsConfig = """
        [req]
        distinguished_name = req_dn
        prompt = no

        [req_dn]

        [ca_ext]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash

        [server_ext]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid, issuer

        [client_ext]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = clientAuth
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid, issuer

        """

    private static func createPrivateDirectory(_ directory: URL) throws(DevPKIError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .fileSystem(path: directory.path, reason: "exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: directory.path, reason: "cannot create its parent: \(error.localizedDescription)")
        }
        guard mkdir(directory.path, 0o700) == 0 || errno == EEXIST else {
            throw .fileSystem(path: directory.path, reason: "cannot create: \(lastError())")
        }
    }

    private static func makeScratchDirectory(in parent: URL, prefix: String) throws(DevPKIError) -> URL {
        let directory = parent.appendingPathComponent(prefix + UUID().uuidString.lowercased())
        guard mkdir(directory.path, 0o700) == 0 else {
            throw .fileSystem(path: directory.path, reason: "cannot create: \(lastError())")
        }
        return directory
    }

    /// Creates an empty file that only its owner can read. openssl writes keys into existing files
    /// without changing their mode, so no key is ever readable by anyone else, not even for a moment.
    private static func createOwnerOnlyFile(_ file: URL) throws(DevPKIError) {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .fileSystem(path: file.path, reason: "cannot create: \(lastError())") }
        close(fd)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
