import ArgumentParser
import DevPKI
import Foundation
import SamtykkeApp
import SamtykkeJOSE
import SamtykkeServer

/// The broker's files and settings: `--pki DIR` alone for development, or each file named on its own.
struct BrokerFlags: ParsableArguments {
    @OptionGroup var store: StoreFlags
    @Option(help: "A dev PKI from `samtykke dev pki`; supplies every key and certificate not named below.")
    var pki: String?
    @Option(help: "The tax agency's base URL, e.g. https://127.0.0.1:8443.")
    var taxAgency: HTTPURL?
    @Option(help: "A proxy for the calls to the tax agency, http://host:port (default none: the broker connects directly, and HTTPS_PROXY and the like are ignored).")
    var agencyProxy: HTTPURL?
    @Option(help: "CA certificate that is the only trust anchor for the agency (default: PKI ca.pem).")
    var agencyCa: String?
    @Option(help: "The broker's TLS client certificate for the agency (default: PKI broker-client.pem).")
    var clientCert: String?
    @Option(help: "Its private key, mode 0600 (default: PKI broker-client.key).")
    var clientKey: String?
    @Option(help: "P-256 key that signs bundles and consent tokens, mode 0600 (default: PKI bundle-signing.key).")
    var bundleKey: String?
    @Option(help: "A bundle-signing key no longer in use (PEM, public or private); repeatable. Published in the JWKS so bundles it signed still verify.")
    var retiredBundleKey: [String] = []
    @Option(help: "Ed25519 key that signs log checkpoints, mode 0600 (default: PKI log.key).")
    var logSigningKey: String?
    @Option(help: "The log's origin line in checkpoints, also the note key name.")
    var logOrigin: String?
    @Option(help: "The citizens' OpenID provider: expected `iss` of their ID tokens, with discovery at URL/.well-known/openid-configuration (default with --pki: the dev provider's tokens only).")
    var idIssuer: String?
    @Option(help: "JWKS of the ID provider, a file or an https URL (default with --pki: the dev provider key).", transform: Self.jwksSource)
    var idJwks: JWKSSource?
    @Option(help: "Expected `aud` of citizen ID tokens (default with --id-issuer: --id-client-id; without: the dev provider's).")
    var idAudience: String?
    @Option(help: "The client id `samtykke login` uses at the ID provider, told to the CLI by GET /v1/citizen-login (default at a dev provider on 127.0.0.1 or localhost, or none: \(CitizenLogin.defaultCLIClientID); at any other provider no terminal login is offered without it).")
    var idCliClientId: String?
    @Option(help: "The broker's client id at the ID provider, for the consent pages' login (with --id-issuer and --id-client-secret).")
    var idClientId: String?
    @Option(help: "That client's secret (client_secret_basic); better from SAMTYKKE_ID_CLIENT_SECRET than on the command line.")
    var idClientSecret: String?
    @Option(help: "A PEM file of CA certificates trusted, beside the system's, for the ID provider (development).")
    var idCa: String?
    @Option(help: "The longest lifetime (exp - iat) of a citizen ID token accepted, in seconds, at most \(Self.longestIDTokenLifetime) (default \(Int(IDTokenVerifier.Configuration.defaultMaximumLifetime)); ID-porten's live 120).")
    var idTokenMaxLifetime: Int?
    @Option(help: "`iss` of bundles and consent tokens; defaults to \(PKIPaths.devBrokerIssuer) with --pki, else the broker's own URL.")
    var issuer: String?
    @Option(help: "`aud` of consent tokens: the agency's identifier.")
    var agencyAudience: String?

    /// An hour: an ID token is a login, and one meant to live longer is not ID-porten's.
    static let longestIDTokenLifetime = 3600

    static func jwksSource(_ text: String) throws -> JWKSSource {
        do {
            return try JWKSSource(text)
        } catch {
            throw ValidationError("--id-jwks \(error)")
        }
    }

    mutating func validate() throws {
        try Env.fill(&pki, "pki")
        try Env.fill(&taxAgency, "tax-agency")
        try Env.fill(&agencyProxy, "agency-proxy")
        try Env.fill(&agencyCa, "agency-ca")
        try Env.fill(&clientCert, "client-cert")
        try Env.fill(&clientKey, "client-key")
        try Env.fill(&bundleKey, "bundle-key")
        try Env.fill(&retiredBundleKey, "retired-bundle-key") { $0 }
        try Env.fill(&logSigningKey, "log-signing-key")
        try Env.fill(&logOrigin, "log-origin")
        try Env.fill(&idIssuer, "id-issuer")
        try Env.fill(&idJwks, "id-jwks", Self.jwksSource)
        try Env.fill(&idAudience, "id-audience")
        try Env.fill(&idCliClientId, "id-cli-client-id")
        try Env.fill(&idClientId, "id-client-id")
        try Env.fill(&idClientSecret, "id-client-secret")
        try Env.fill(&idCa, "id-ca")
        try Env.fill(&idTokenMaxLifetime, "id-token-max-lifetime")
        try Env.fill(&issuer, "issuer")
        try Env.fill(&agencyAudience, "agency-audience")
        _ = try idTokenLifetime()
    }

    /// The ID-token lifetime cap as the broker takes it; `validate()` has refused one that does not fit.
    private func idTokenLifetime() throws -> TimeInterval {
        guard let idTokenMaxLifetime else { return IDTokenVerifier.Configuration.defaultMaximumLifetime }
        guard (1...Self.longestIDTokenLifetime).contains(idTokenMaxLifetime) else {
            throw ValidationError("--id-token-max-lifetime must be 1–\(Self.longestIDTokenLifetime) seconds, not \(idTokenMaxLifetime)")
        }
        return TimeInterval(idTokenMaxLifetime)
    }

    /// Whether the broker can be started at all: the last check of `serve`'s validation, so the
    /// flags' own values are judged first.
    func requireStoreAndAgency() throws {
        _ = try store.location()
        try Env.present(taxAgency, "tax-agency")
    }

    func settings() throws -> BrokerSettings {
        var settings = BrokerSettings(
            store: try store.location(),
            pki: pki,
            taxAgency: taxAgency?.description,
            agencyCa: agencyCa,
            clientCert: clientCert,
            clientKey: clientKey,
            bundleKey: bundleKey,
            retiredBundleKeys: retiredBundleKey,
            logSigningKey: logSigningKey,
            logOrigin: logOrigin,
            idIssuer: idIssuer,
            idJwks: idJwks,
            idAudience: idAudience,
            idTokenMaxLifetime: try idTokenLifetime(),
            issuer: issuer,
            agencyAudience: agencyAudience,
            agencyProxy: agencyProxy?.description
        )
        settings.idCLIClientID = idCliClientId
        settings.idClientID = idClientId
        settings.idClientSecret = idClientSecret
        settings.idCA = idCa
        return settings
    }
}
