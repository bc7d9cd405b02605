import Hummingbird
import NIOSSL

/// The request context of the agency: the standard one plus a way to the client certificate of the
/// connection the request came on, which a consent token must be bound to. The certificate lives in
/// the TLS handler of the connection's channel, so the context keeps a reader over that channel.
struct AgencyRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The certificate the client presented in the handshake; nil only on a connection without TLS.
    let peerCertificate: @Sendable () async -> NIOSSLCertificate?
    /// Drops the connection without an answer, for the `reset` fault.
    let closeConnection: @Sendable () async -> Void

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        let channel = source.channel
        peerCertificate = { try? await channel.nioSSL_peerCertificate().get() }
        closeConnection = { try? await channel.close() }
    }
}
