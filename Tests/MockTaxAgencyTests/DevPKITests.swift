import ChildProcess
import Crypto
import CryptoExtras
import DevPKI
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import TestSupport
import Testing

@Suite("DevPKI", .sameOnEveryBackend)
struct DevPKITests {
    @Test("makes every file, keys 0600 in a 0700 directory, and leaves nothing else behind")
    func filesAndModes() async throws {
        let pki = try await TestPKI.main.value
        for file in pki.allFiles {
            #expect(FileManager.default.fileExists(atPath: file.path), "\(file.lastPathComponent) is missing")
        }
        for key in pki.privateKeys {
            #expect(try Self.mode(of: key) == 0o600, "\(key.lastPathComponent) is not 0600")
        }
        #expect(try Self.mode(of: pki.directory) == 0o700)
        let names = try FileManager.default.contentsOfDirectory(atPath: pki.directory.path).sorted()
        #expect(names == pki.allFiles.map(\.lastPathComponent).sorted())
    }

    @Test("the CA is a CA, the agency certificate serves 127.0.0.1 and localhost, the broker's is a client certificate")
    func certificates() async throws {
        let pki = try await TestPKI.main.value
        let ca = try await Self.describe(pki.caCertificate)
        #expect(ca.contains("Subject: CN = samtykke dev CA"))
        #expect(ca.contains("CA:TRUE"))
        #expect(ca.contains("Certificate Sign"))
        #expect(ca.contains("ASN1 OID: prime256v1"))

        let agency = try await Self.describe(pki.agencyCertificate)
        #expect(agency.contains("Issuer: CN = samtykke dev CA"))
        #expect(agency.contains("Subject: CN = samtykke-mock-tax-agency"))
        #expect(agency.contains("IP Address:127.0.0.1"))
        #expect(agency.contains("DNS:localhost"))
        #expect(agency.contains("TLS Web Server Authentication"))
        #expect(!agency.contains("TLS Web Client Authentication"))
        #expect(agency.contains("CA:FALSE"))

        let broker = try await Self.describe(pki.brokerClientCertificate)
        #expect(broker.contains("Issuer: CN = samtykke dev CA"))
        #expect(broker.contains("Subject: CN = samtykke-broker"))
        #expect(broker.contains("TLS Web Client Authentication"))
        #expect(!broker.contains("TLS Web Server Authentication"))

        let verified = try await OpenSSLCommand.text([
            "verify", "-CAfile", pki.caCertificate.path, pki.agencyCertificate.path, pki.brokerClientCertificate.path,
        ])
        #expect(verified.components(separatedBy: ": OK").count == 3)
    }

    @Test("the dev ID provider serves 127.0.0.1 with a certificate of the dev CA, and its client secret is one line, 0600")
    func idProvider() async throws {
        let pki = try await TestPKI.main.value
        let certificate = try await Self.describe(pki.idProviderCertificate)
        #expect(certificate.contains("Issuer: CN = samtykke dev CA"))
        #expect(certificate.contains("IP Address:127.0.0.1"))
        #expect(certificate.contains("TLS Web Server Authentication"))
        let verified = try await OpenSSLCommand.text(["verify", "-CAfile", pki.caCertificate.path, pki.idProviderCertificate.path])
        #expect(verified.contains(": OK"))

        #expect(try Self.mode(of: pki.idClientSecret) == 0o600)
        let secret = try String(contentsOf: pki.idClientSecret, encoding: .utf8)
        // Hex, which no command line reads as an option.
        #expect(secret.hasSuffix("\n") && secret.dropLast().count == 64 && secret.dropLast().allSatisfy(\.isHexDigit), "\(secret)")
        let other = try String(contentsOf: try await TestPKI.other.value.idClientSecret, encoding: .utf8)
        #expect(secret != other, "each PKI has a secret of its own")
    }

    @Test("the signing keys are P-256 PKCS#8 and the public half matches")
    func signingKeys() async throws {
        let pki = try await TestPKI.main.value
        for key in [pki.bundleSigningKey, pki.idProviderKey] {
            let pem = try String(contentsOf: key, encoding: .utf8)
            #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            _ = try ES256Signer(privateKey: KeyFiles.p256(key.path))
        }
        let signer = try ES256Signer(privateKey: KeyFiles.p256(pki.bundleSigningKey.path))
        let published = try P256.Signing.PublicKey(pemRepresentation: String(contentsOf: pki.bundleSigningPublicKey, encoding: .utf8))
        #expect(published.rawRepresentation == signer.privateKey.publicKey.rawRepresentation)
    }

    /// The binding a consent token carries and the agency checks, against openssl's own digest of
    /// the certificate's DER: both sides share `CertificateThumbprint`, so only this can catch it
    /// hashing the wrong bytes.
    @Test("a certificate's thumbprint is the SHA-256 fingerprint openssl computes")
    func certificateThumbprint() async throws {
        let pki = try await TestPKI.main.value
        for certificate in [pki.brokerClientCertificate, pki.agencyCertificate] {
            let fingerprint = try await OpenSSLCommand.text(["x509", "-in", certificate.path, "-noout", "-fingerprint", "-sha256"])
            let hex = try #require(fingerprint.split(separator: "=").last).filter(\.isHexDigit).lowercased()
            let ours = try #require(Base64URL.decode(try KeyFiles.certificateSHA256(certificate.path)))
            #expect(ours.map { String(format: "%02x", $0) }.joined() == hex, "\(certificate.lastPathComponent)")
        }
    }

    @Test("log.key is an Ed25519 key whose public half is the one openssl derives")
    func ed25519LogKey() async throws {
        let pki = try await TestPKI.main.value
        let key = try Curve25519.Signing.PrivateKey(pemRepresentation: String(contentsOf: pki.logKey, encoding: .utf8))
        let theirs = try await OpenSSLCommand.run(["pkey", "-in", pki.logKey.path, "-pubout", "-outform", "DER"]).suffix(32)
        #expect(Array(key.publicKey.rawRepresentation) == Array(theirs))
    }

    @Test("refuses to overwrite an existing PKI unless asked, and then replaces it")
    func overwrite() async throws {
        let directory = TestPKI.scratchDirectory("overwrite")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await DevPKI.make(in: directory)
        let before = try Data(contentsOf: first.caCertificate)
        await #expect(throws: DevPKIError.alreadyExists(directory: directory.path, file: "ca.key")) {
            try await DevPKI.make(in: directory)
        }
        #expect(try Data(contentsOf: first.caCertificate) == before)
        let second = try await DevPKI.make(in: directory, overwrite: true)
        #expect(try Data(contentsOf: second.caCertificate) != before)
        for key in second.privateKeys { #expect(try Self.mode(of: key) == 0o600) }
    }

    @Test("an openssl failure names the command and carries openssl's stderr, and leaves no files")
    func opensslFailure() async throws {
        let directory = TestPKI.scratchDirectory("failing")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fake = directory.appendingPathExtension("openssl")
        // Written by a shell of its own, never opened for writing here: a process other suites
        // spawn meanwhile would inherit this process's writable descriptor, and running the script
        // while any process holds one fails with ETXTBSY ("Text file busy"; seen in a CI run).
        let written = try await Command.run(
            "/bin/sh", ["-c", #"cat > "$0" && chmod 700 "$0""#, fake.path], input: Array("#!/bin/sh\necho 'unable to load key' >&2\nexit 3\n".utf8)
        )
        defer { try? FileManager.default.removeItem(at: fake) }
        try #require(written.status == 0, "\(written.stderr)")

        let error = await #expect(throws: DevPKIError.self) { try await DevPKI.make(in: directory, openssl: fake.path) }
        guard case .opensslFailed(let command, let status, let stderr) = error else {
            Issue.record("expected opensslFailed, got \(String(describing: error))")
            return
        }
        #expect(command.hasPrefix("\(fake.lastPathComponent) genpkey"))
        #expect(status == 3)
        #expect(stderr == "unable to load key")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a missing openssl is reported as such")
    func opensslMissing() async throws {
        let directory = TestPKI.scratchDirectory("missing")
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: DevPKIError.opensslNotFound("openssl-that-does-not-exist")) {
            try await DevPKI.make(in: directory, openssl: "openssl-that-does-not-exist")
        }
    }

    private static func mode(of url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    private static func describe(_ certificate: URL) async throws -> String {
        try await OpenSSLCommand.text(["x509", "-in", certificate.path, "-noout", "-text"])
    }
}
