import Crypto
import CryptoExtras
import Foundation
import SwiftASN1

/// Reading keys and certificates from disk, refusing private keys others can read.
public enum KeyFiles {
    /// Fails unless the file `path` names is the running user's and mode 0600 or 0400: a key others
    /// can read is a key that may already be someone else's. A symbolic link is followed first
    /// (Kubernetes mounts each secret as a link into `..data/`), since a link's own mode says
    /// nothing about who can read the key.
    public static func requirePrivate(_ path: String) throws(KeyFileError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .missing(path) }
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let named = target == path ? path : "\(path) (a link to \(target))"
        guard status.st_uid == geteuid() else {
            throw .notOwned(named, owner: Int(status.st_uid), user: Int(geteuid()))
        }
        let mode = Int(status.st_mode & 0o7777)
        guard mode == 0o600 || mode == 0o400 else {
            throw .readableByOthers(named, mode: mode, target: target)
        }
    }

    public static func read(_ path: String) throws(KeyFileError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path)
        }
    }

    public static func ed25519(_ path: String) throws(KeyFileError) -> Curve25519.Signing.PrivateKey {
        try parsed(.ed25519PrivateKey, at: path, Curve25519.Signing.PrivateKey.init(pemRepresentation:))
    }

    public static func p256(_ path: String) throws(KeyFileError) -> P256.Signing.PrivateKey {
        try parsed(.p256PrivateKey, at: path, P256.Signing.PrivateKey.init(pemRepresentation:))
    }

    public static func p256PublicKey(_ path: String) throws(KeyFileError) -> P256.Signing.PublicKey {
        try parsed(.p256PublicKey, at: path, P256.Signing.PublicKey.init(pemRepresentation:))
    }

    /// The `CertificateThumbprint` of a PEM certificate.
    public static func certificateSHA256(_ path: String) throws(KeyFileError) -> String {
        try parsed(.certificate, at: path) { CertificateThumbprint.sha256(der: try PEMDocument(pemString: $0).derBytes) }
    }

    /// A private key only from a file `requirePrivate` accepts; public keys and certificates are
    /// published anyway.
    private static func parsed<Value>(_ content: KeyFileError.Content, at path: String, _ parse: (String) throws -> Value) throws(KeyFileError) -> Value {
        if content.isPrivate { try requirePrivate(path) }
        let pem = try read(path)
        do {
            return try parse(pem)
        } catch {
            throw .notA(content, path)
        }
    }
}
