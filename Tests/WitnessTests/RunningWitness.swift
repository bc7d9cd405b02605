import CurlHTTP
import Crypto
import Foundation
import Logging
import ServiceLifecycle
import TransparencyLog
import Witness

/// A witness served over HTTP on 127.0.0.1 and a free port for the duration of a test.
struct RunningWitness: Sendable {
    let witness: Witness
    let url: String

    /// A new witness key each run unless one is given, as a restart reuses its key and state.
    @discardableResult
    static func with<T: Sendable>(
        logs: [NoteSigner],
        state: String,
        signer: CosignatureSigner? = nil,
        _ body: @Sendable (RunningWitness) async throws -> T
    ) async throws -> T {
        let signer = try signer ?? CosignatureSigner(name: "witness.test/w1", privateKey: Curve25519.Signing.PrivateKey())
        let witness = try Witness(
            signer: signer, logs: try logs.map { try NoteVerifier(verifierKey: $0.verifierKey) }, stateDirectory: state)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        // Stopping the server at the end of a test logs what is expected.
        var logger = Logger(label: "witness-tests")
        logger.logLevel = .critical
        let app = buildWitnessServer(witness, port: 0, logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(services: [app], logger: logger)
        let server = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        guard let port = await ports.first(where: { _ in true }) else {
            try await server.value
            throw WitnessDidNotStart()
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(RunningWitness(witness: witness, url: "http://127.0.0.1:\(port)")))
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        _ = await server.result
        return try result.get()
    }

    var verifier: CosignatureVerifier {
        try! CosignatureVerifier(verifierKey: witness.signer.verifierKey)
    }

    /// A client with no knowledge of the witness's size, over real libcurl.
    func client() -> WitnessClient {
        WitnessClient(url: url, verifier: verifier, http: Self.http)
    }

    /// Sends `body` as is, for requests `AddCheckpointRequest` cannot spell.
    func post(_ body: [UInt8]) async throws -> CurlResponse {
        try await Self.http.execute(CurlRequest(method: "POST", url: url + "/add-checkpoint", body: body))
    }

    static let http = CurlClient(configuration: CurlClientConfiguration(
        connectTimeout: .seconds(2), totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS))

    struct WitnessDidNotStart: Error {}
}
