import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import Mustache
import NIOSSL

/// Builds `samtykke dev id-provider` (SPEC §2b): an OpenID provider for development and tests, like
/// ID-porten's test login, on https://127.0.0.1:P with the dev CA's certificate. `onServerRunning`
/// gets the issuer, which names the port actually bound.
public func buildDevOpenIDProvider(
    _ configuration: DevOpenIDProviderConfiguration,
    logger: Logger? = nil,
    now: @escaping @Sendable () -> Date = Date.init,
    onServerRunning: @escaping @Sendable (_ issuer: String) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    guard let templates = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
        throw DevOpenIDProviderError.unreadable("the login page's templates are missing")
    }
    let pages = try await MustacheLibrary(directory: templates)
    let routes = ProviderRoutes(
        configuration: configuration, clients: OpenIDClients(brokerSecret: configuration.brokerSecret),
        codes: AuthorizationCodes(lifetime: configuration.codeLifetime), pages: pages, issuer: ProviderRoutes.Issuer(), now: now
    )
    let router = Router()
    routes.add(to: router)
    return Application(
        router: router,
        server: try .tls(.http1(), tlsConfiguration: try serverTLS(configuration)),
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: configuration.port), serverName: "samtykke-dev-id-provider"),
        onServerRunning: { channel in
            routes.issuer.set(port: channel.localAddress?.port ?? configuration.port)
            await onServerRunning(routes.issuer.url)
        },
        logger: logger
    )
}

private func serverTLS(_ configuration: DevOpenIDProviderConfiguration) throws(DevOpenIDProviderError) -> TLSConfiguration {
    do {
        let chain = try NIOSSLCertificate.fromPEMFile(configuration.certificateChain)
        let key = try NIOSSLPrivateKey(file: configuration.privateKey, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        // Clients that never send close_notify (libcurl's pooled connections) would hold each shutdown 5 s.
        tls.shutdownTimeout = .milliseconds(200)
        return tls
    } catch {
        throw .tls("cannot read the dev ID provider's certificate or key: \(error)")
    }
}
