import DevPKI
import Foundation
import SamtykkeJOSE

/// What `samtykke dev id-provider` needs: everything comes from a dev PKI, read and checked here,
/// before anything listens, so a missing or damaged PKI is one line and no server.
public struct DevOpenIDProviderConfiguration: Sendable {
    /// 0 lets the system pick a free port; the issuer names the one bound.
    public var port: Int
    /// Signs the ID tokens (the PKI's `idp.key`); its public half is the JWKS.
    public let signer: ES256Signer
    public let certificateChain: String
    public let privateKey: String
    /// The secret of `samtykke-broker` (the PKI's `id-client-secret`).
    public let brokerSecret: String
    /// The broker's client id here, which is also the audience of the ID tokens issued to it.
    public static let brokerClientID = OpenIDClient.brokerID
    /// Offered as suggestions on the login page: the fixtures' synthetic people.
    public var people: [FixturePerson]
    /// How long a code may wait for its exchange (ID-porten's: 60 s).
    public var codeLifetime: TimeInterval = 60
    /// The ID token's `exp - iat` (ID-porten's: 120 s).
    public var tokenLifetime: TimeInterval = 120

    /// A person the login page suggests.
    public struct FixturePerson: Sendable, Decodable, Hashable {
        public let personId: String
        public let name: String
    }

    /// Reads the dev PKI in `pki`; `fixtures` is a directory holding `people.json` (Fixtures/).
    public init(port: Int, pki: PKIPaths, fixtures: URL? = nil) throws(DevOpenIDProviderError) {
        let needed = [pki.caCertificate, pki.idProviderKey, pki.idProviderCertificate, pki.idProviderTLSKey, pki.idClientSecret]
        if let missing = needed.first(where: { !FileManager.default.fileExists(atPath: $0.path) }) {
            throw .noDevPKI(directory: pki.directory.path, missing: missing.lastPathComponent)
        }
        do {
            signer = ES256Signer(privateKey: try KeyFiles.p256(pki.idProviderKey.path))
            try KeyFiles.requirePrivate(pki.idProviderTLSKey.path)
            try KeyFiles.requirePrivate(pki.idClientSecret.path)
            brokerSecret = try KeyFiles.read(pki.idClientSecret.path).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .unreadable(error.description)
        }
        guard !brokerSecret.isEmpty else { throw .unreadable("\(pki.idClientSecret.path) is empty") }
        self.port = port
        certificateChain = pki.idProviderCertificate.path
        privateKey = pki.idProviderTLSKey.path
        people = try fixtures.map { directory throws(DevOpenIDProviderError) in try Self.people(in: directory) } ?? []
    }

    private static func people(in directory: URL) throws(DevOpenIDProviderError) -> [FixturePerson] {
        let file = directory.appendingPathComponent("people.json")
        do {
            return try JSONDecoder().decode([FixturePerson].self, from: Data(contentsOf: file))
        } catch {
            throw .fixtures("\(file.path) is not a people file (Fixtures/README.md): \(error.localizedDescription)")
        }
    }
}
