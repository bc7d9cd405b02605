import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import SamtykkeJOSE

/// Builds the mock tax agency (SPEC §5): HTTPS that demands a client certificate from the
/// configured CA, serving the fixtures to holders of a valid consent token.
///
/// Everything that can be wrong with the configuration (unreadable PEM files, no broker keys, an
/// invalid fixture) is found here, before the server starts, and thrown as a `MockTaxAgencyError`.
/// `onServerRunning` gets the port actually bound, which matters when `port` is 0. Without a
/// `logger`, Hummingbird's default (level from `LOG_LEVEL`) is used.
public func buildMockTaxAgency(
    _ configuration: MockTaxAgencyConfiguration,
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let people = try PeopleFixtures(contentsOf: configuration.fixtures)
    guard !configuration.brokerKeys.keys.isEmpty else {
        throw MockTaxAgencyError.brokerKeys("the JWKS is empty, so no consent token could ever be accepted")
    }
    let verifier: JWSVerifier
    do {
        verifier = try await JWSVerifier(jwks: configuration.brokerKeys)
    } catch {
        throw MockTaxAgencyError.brokerKeys(error.description)
    }
    let route = TaxDataRoute(people: people, verifier: verifier, issuer: configuration.brokerIssuer, audience: configuration.audience, clockSkew: configuration.clockSkew,
        release: configuration.release)

    let router = Router(context: AgencyRequestContext.self)
    router.add(middleware: ProblemMiddleware())
    router.get("/healthz") { _, _ in "ok" }
    // Not ready once the log monitor stopped releasing: it found the broker's log forked or shrunk.
    router.get("/readyz") { _, _ throws(Problem) -> String in
        if let halted = await configuration.release?.monitor.haltReason {
            throw Problem(status: .serviceUnavailable, slug: "log-monitor-halted", title: "Not releasing: the log monitor stopped", detail: halted)
        }
        return "ok"
    }
    router.group("v1")
        .add(middleware: TrafficMiddleware(traffic: configuration.traffic))
        .add(middleware: FaultMiddleware(faults: configuration.faults))
        .get("persons/{personId}/tax-data", use: route.handle)

    return Application(
        router: router,
        server: try .tls(.http1(), tlsConfiguration: try makeTLSConfiguration(configuration)),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "samtykke-mock-tax-agency"
        ),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Server TLS that requires a client certificate chaining to `clientCA`.
///
/// `.noHostnameVerification`, not `.fullVerification`: a server has no name to expect of a client,
/// and full verification resets every connection trying to match one. The PEM files are read here
/// rather than handed to NIOSSL as paths, so a missing or unreadable file fails the build with its
/// name instead of failing every handshake later.
private func makeTLSConfiguration(_ configuration: MockTaxAgencyConfiguration) throws(MockTaxAgencyError) -> TLSConfiguration {
    let chain = try readCertificates(configuration.certificateChain, role: "certificate chain")
    let key: NIOSSLPrivateKey
    do {
        key = try NIOSSLPrivateKey(file: configuration.privateKey, format: .pem)
    } catch {
        throw .tls("cannot read the private key \(configuration.privateKey): \(error)")
    }
    var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    tls.certificateVerification = .noHostnameVerification
    tls.trustRoots = .certificates(try readCertificates(configuration.clientCA, role: "client CA"))
    tls.minimumTLSVersion = .tlsv12
    // On shutdown NIOSSL waits for the peer's close_notify, by default 5 s; libcurl's pooled idle
    // connections never read theirs, so every shutdown would stall that long for nothing.
    tls.shutdownTimeout = .milliseconds(200)
    return tls
}

private func readCertificates(_ path: String, role: String) throws(MockTaxAgencyError) -> [NIOSSLCertificate] {
    let certificates: [NIOSSLCertificate]
    do {
        certificates = try NIOSSLCertificate.fromPEMFile(path)
    } catch {
        throw .tls("cannot read the \(role) \(path): \(error)")
    }
    guard !certificates.isEmpty else { throw .tls("the \(role) \(path) holds no PEM certificate") }
    return certificates
}
