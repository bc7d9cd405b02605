import Crypto
import CryptoExtras
import Foundation
import SamtykkeCore
import SwiftASN1

/// Reading keys and certificates from disk, refusing private keys others can read.
enum KeyFiles {
    /// Fails unless the file `path` names is the running user's and mode 0600 or 0400: a key others
    /// can read is a key that may already be someone else's. A symbolic link is followed first
    /// (Kubernetes mounts each secret as a link into `..data/`), since a link's own mode says
    /// nothing about who can read the key.
    static func requirePrivate(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CLIError("cannot read key file \(path)") }
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let named = target == path ? path : "\(path) (a link to \(target))"
        guard status.st_uid == geteuid() else {
            throw CLIError("key file \(named) belongs to uid \(status.st_uid), not to this user (uid \(geteuid()))")
        }
        let mode = status.st_mode & 0o7777
        guard mode == 0o600 || mode == 0o400 else {
            throw CLIError("key file \(named) has mode \(String(mode, radix: 8)); it must be 0600 or 0400 (chmod 600 \(target))")
        }
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError("cannot read \(path)")
        }
    }

    static func privateKeyPEM(_ path: String) throws -> String {
        try requirePrivate(path)
        return try read(path)
    }

    static func ed25519(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        do {
            return try Curve25519.Signing.PrivateKey(pemRepresentation: privateKeyPEM(path))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(path) is not a PEM Ed25519 private key")
        }
    }

    static func p256(_ path: String) throws -> P256.Signing.PrivateKey {
        let pem = try privateKeyPEM(path)
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw CLIError("\(path) is not a PEM P-256 private key")
        }
    }

    /// base64url SHA-256 of a PEM certificate's DER bytes: RFC 8705's `x5t#S256`.
    static func certificateSHA256(_ path: String) throws -> String {
        do {
            let document = try PEMDocument(pemString: read(path))
            return Base64URL.encode(SHA256.hash(data: document.derBytes))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(path) is not a PEM certificate")
        }
    }
}
