import Hummingbird
import Logging

/// Builds the HTTP face of `witness` (C2SP tlog-witness, submission prefix "/"), with `/healthz`
/// for whoever supervises the process.
///
/// `onServerRunning` gets the port actually bound, which matters when `port` is 0. Without a
/// `logger`, Hummingbird's default is used.
public func buildWitnessServer(
    _ witness: Witness,
    host: String = "127.0.0.1",
    port: Int,
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.get("healthz") { _, _ in "ok" }
    router.post("add-checkpoint", use: AddCheckpointRoute(witness: witness).handle)
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "samtykke-witness"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger
    )
}
