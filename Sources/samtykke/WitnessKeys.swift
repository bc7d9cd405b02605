import ArgumentParser
import Foundation
import TransparencyLog

/// The witnesses whose cosignatures a checkpoint must carry (C2SP tlog-cosignature): `audit verify`
/// requires them on the log's checkpoint, `bundle verify` on the receipt's.
struct WitnessKeys: ParsableArguments {
    @Option(
        name: .customLong("witness-key"),
        help: "A witness's verifier key (from `samtykke witness key`) whose cosignature the checkpoint must carry; repeatable (environment: comma-separated)."
    )
    var keys: [String] = []

    mutating func validate() throws {
        try Env.fill(&keys, "witness-key") { $0 }
        _ = try verifiers()
    }

    func verifiers() throws -> [CosignatureVerifier] {
        try keys.map { key in
            do {
                return try CosignatureVerifier(verifierKey: key)
            } catch {
                throw ValidationError("--witness-key \(key) is not a witness's verifier key: \(error)")
            }
        }
    }

    /// What a command prints for each cosignature it required.
    static func line(for cosignature: Cosignature) -> String {
        "cosigned by \(cosignature.keyName) at \(Date(timeIntervalSince1970: TimeInterval(cosignature.time)).formatted(.iso8601))"
    }
}
