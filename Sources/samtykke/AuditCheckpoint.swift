import ArgumentParser
import Foundation

extension AuditCommand {
    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the log's newest signed checkpoint after checking its signature.",
            discussion: """
                Needs no auditor key. Without --log-key the signature is checked with the key the same broker \
                publishes, which shows the note is well formed; pass the key you got out of band to show who signed it.
                """
        )

        @OptionGroup var connection: AuditConnection

        struct Report: Encodable {
            let origin: String
            let size: UInt64
            let rootHash: String
            let logKey: String
            let keyFromBroker: Bool
            let note: String
        }

        func run() async throws {
            try await reportingErrors {
                let (key, fromBroker) = try await connection.verifierKey()
                let (checkpoint, note) = try await connection.publicLog.signedCheckpoint(verifiedWith: key)
                if connection.json {
                    return try printJSON(Report(origin: checkpoint.origin, size: checkpoint.size, rootHash: checkpoint.rootHash.base64,
                                                logKey: key, keyFromBroker: fromBroker, note: note))
                }
                printEscaped("log:       \(checkpoint.origin)")
                print("size:      \(checkpoint.size)")
                print("root hash: \(checkpoint.rootHash.base64)")
                printEscaped("signature: verified with \(key)\(fromBroker ? " (as the broker publishes it)" : "")")
                print("")
                printEscaped(note, terminator: "")
            }
        }
    }
}
