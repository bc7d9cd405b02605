import Crypto
import CurlHTTP
import Foundation
import LogRelease
import MockTaxAgency
import Synchronization
import TransparencyLog
import Witness

/// Release against the log on loopback (SPEC §5): one witness in this process, the C2SP tlog-policy
/// the broker and the agency share (the log's key, that witness, quorum of it), and the agency's
/// gate reading the broker's tiles once the broker has a port.
struct LocalRelease: Sendable {
    static let witnessName = "witness.local/demo"

    let witness: Witness
    let policyPath: String
    let gate: ReleaseGate
    let tiles: LateTileFetcher

    /// The witness's key is drawn here, for this run only.
    init(work: URL, logVerifierKey: String) throws {
        let signer = try CosignatureSigner(name: Self.witnessName, privateKey: Curve25519.Signing.PrivateKey())
        witness = try Witness(
            signer: signer, logs: [try NoteVerifier(verifierKey: logVerifierKey)],
            stateDirectory: work.appendingPathComponent("witness-\(UUID().uuidString)").path)
        policyPath = work.appendingPathComponent("agency-log-policy").path
        let policy = "log \(logVerifierKey)\nwitness w1 \(signer.verifierKey)\nquorum w1\n"
        try Data(policy.utf8).write(to: URL(fileURLWithPath: policyPath))
        tiles = LateTileFetcher()
        gate = try ReleaseGate(policy: LogPolicy(parsing: Array(policy.utf8)), fetcher: tiles, stateDirectory: work.appendingPathComponent("agency-log-state-\(UUID().uuidString)").path)
    }

    /// The broker's end of it: the witness at `url`.
    func witnessClient(url: String) -> WitnessClient {
        WitnessClient(
            url: url, verifier: try! CosignatureVerifier(verifierKey: witness.signer.verifierKey),
            http: CurlClient(configuration: CurlClientConfiguration(totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS)))
    }
}

/// The agency starts before the broker, whose port (and so whose tiles' URL) comes last.
final class LateTileFetcher: TileFetcher {
    private let fetcher = Mutex<CurlTileFetcher?>(nil)

    func start(base: String) { fetcher.withLock { $0 = CurlTileFetcher(base: base) } }

    func fetch(_ path: String) async throws -> [UInt8]? {
        guard let fetcher = fetcher.withLock({ $0 }) else { throw CurlTileFetcherNotStarted() }
        return try await fetcher.fetch(path)
    }
}

struct CurlTileFetcherNotStarted: Error, CustomStringConvertible {
    var description: String { "the broker has not started, so its log cannot be read yet" }
}
