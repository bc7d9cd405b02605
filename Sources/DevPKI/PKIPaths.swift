import Foundation

/// Where each file of a dev PKI lives. The names are fixed so `--pki DIR` alone is enough to find
/// every key and certificate (SPEC §7).
public struct PKIPaths: Sendable, Hashable {
    public let directory: URL
    public let caCertificate: URL
    public let caKey: URL
    public let agencyCertificate: URL
    public let agencyKey: URL
    public let brokerClientCertificate: URL
    public let brokerClientKey: URL
    /// P-256, PKCS#8 PEM: signs bundles and consent tokens.
    public let bundleSigningKey: URL
    public let bundleSigningPublicKey: URL
    /// Ed25519, PKCS#8 PEM: signs log checkpoints (CryptoExtras reads it).
    public let logKey: URL
    /// P-256, PKCS#8 PEM: the dev ID provider's signing key.
    public let idProviderKey: URL
    /// `samtykke dev id-provider`'s HTTPS server certificate (SAN 127.0.0.1) and its key.
    public let idProviderCertificate: URL
    public let idProviderTLSKey: URL
    /// The secret of the dev ID provider's confidential client `samtykke-broker`: one line.
    public let idClientSecret: URL

    /// The broker's `iss` in a dev setup, on both sides: `serve --pki` signs consent tokens and bundles
    /// with it and `mock-tax-agency --pki` expects it, so the two agree whatever ports they listen on.
    public static let devBrokerIssuer = "urn:samtykke:dev-broker"

    public init(directory: URL) {
        self.directory = directory
        caCertificate = directory.appendingPathComponent("ca.pem")
        caKey = directory.appendingPathComponent("ca.key")
        agencyCertificate = directory.appendingPathComponent("agency.pem")
        agencyKey = directory.appendingPathComponent("agency.key")
        brokerClientCertificate = directory.appendingPathComponent("broker-client.pem")
        brokerClientKey = directory.appendingPathComponent("broker-client.key")
        bundleSigningKey = directory.appendingPathComponent("bundle-signing.key")
        bundleSigningPublicKey = directory.appendingPathComponent("bundle-signing.pub.pem")
        logKey = directory.appendingPathComponent("log.key")
        idProviderKey = directory.appendingPathComponent("idp.key")
        idProviderCertificate = directory.appendingPathComponent("idp-tls.pem")
        idProviderTLSKey = directory.appendingPathComponent("idp-tls.key")
        idClientSecret = directory.appendingPathComponent("id-client-secret")
    }

    /// The keys, which only their owner may read (mode 0600).
    public var privateKeys: [URL] {
        [caKey, agencyKey, brokerClientKey, bundleSigningKey, logKey, idProviderKey, idProviderTLSKey]
    }

    /// Everything only its owner may read: the keys and the client secret.
    public var privateFiles: [URL] { privateKeys + [idClientSecret] }

    public var publicFiles: [URL] {
        [caCertificate, agencyCertificate, brokerClientCertificate, bundleSigningPublicKey, idProviderCertificate]
    }

    public var allFiles: [URL] { privateFiles + publicFiles }
}
